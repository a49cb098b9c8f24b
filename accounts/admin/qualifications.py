"""Qualifications, for platform staff only: see them, grant one by hand, revoke with a reason.

A plain ``ModelAdmin`` (lab staff hold no model permissions, so they never get in). Granting goes
through ``qualification_grant_by_staff`` and revoking through ``qualification_revoke``; nothing else
is edited here.
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from accounts.admin.credentials import DomainFilter, confirm_action_response, pseudonym_of
from accounts.forms.credentials import domain_choices
from accounts.models import Domain, Qualification
from accounts.services.qualifications import qualification_grant_by_staff, qualification_revoke


class QualificationGrantForm(forms.ModelForm):
    domain = forms.ChoiceField(choices=domain_choices, help_text="A top-level domain or one of its sub-domains.")
    valid_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for no end date.",
    )

    class Meta:
        model = Qualification
        fields = ["expert", "domain", "level", "valid_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.source = Qualification.Source.STAFF

    def clean_domain(self) -> Domain:
        domain = Domain.objects.filter(pk=self.cleaned_data["domain"]).first()
        if domain is None:
            raise forms.ValidationError("Choose a domain from the list.")
        return domain

    def clean_valid_until(self):
        value = self.cleaned_data.get("valid_until")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError("A qualification cannot end in the past.")
        return value


class QualificationRevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the qualification and shown to the expert on their credentials page.",
    )


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    form = QualificationGrantForm
    list_display = [
        "domain",
        "expert_email",
        "pseudonym",
        "level",
        "source",
        "status",
        "valid_until",
    ]
    list_filter = [DomainFilter, "level", "source", "status"]
    list_select_related = ["expert__expert_profile", "domain__parent", "granted_by"]
    search_fields = ["expert__email", "expert__expert_profile__pseudonym", "domain__name"]
    ordering = ["-granted_at", "pk"]
    autocomplete_fields = ["expert"]
    actions = ["revoke_selected"]
    change_fields = [
        "expert",
        "pseudonym",
        "domain",
        "level",
        "source",
        "credential",
        "exam_attempt",
        "granted_by",
        "granted_at",
        "valid_until",
        "status",
        "status_reason",
        "status_changed_at",
    ]

    @admin.display(description="expert", ordering="expert__email")
    def expert_email(self, obj):
        return obj.expert.email

    @admin.display(description="pseudonym", ordering="expert__expert_profile__pseudonym")
    def pseudonym(self, obj):
        return pseudonym_of(obj.expert)

    def get_fields(self, request, obj=None):
        return self.change_fields if obj is not None else ["expert", "domain", "level", "valid_until"]

    def get_readonly_fields(self, request, obj=None):
        return self.change_fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the record of what was granted stays

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only: revoking is an action
        data = form.cleaned_data
        granted = qualification_grant_by_staff(
            expert=data["expert"],
            domain=data["domain"],
            level=data["level"],
            granted_by=request.user,
            valid_until=data["valid_until"],
        )
        obj.pk, obj.granted_by, obj.granted_at = granted.pk, granted.granted_by, granted.granted_at

    def save_related(self, request, form, formsets, change):
        pass  # no many-to-many fields and no inlines

    @admin.action(description="Revoke selected qualifications…", permissions=["change"])
    def revoke_selected(self, request, queryset):
        qualifications = list(queryset.select_related("expert", "domain__parent"))
        form = QualificationRevokeForm(request.POST if request.POST.get("apply") else None)
        if form.is_bound and form.is_valid():
            revoked, skipped = 0, []
            for qualification in qualifications:
                if qualification.status != Qualification.Status.ACTIVE:
                    status = qualification.get_status_display().lower()
                    skipped.append(f"{qualification} for {qualification.expert.email} is already {status}.")
                    continue
                qualification_revoke(qualification=qualification, reason=form.cleaned_data["reason"].strip())
                revoked += 1
            if revoked:
                self.message_user(
                    request, f"{revoked} qualification{'s' if revoked != 1 else ''} revoked.", messages.SUCCESS
                )
            if skipped:
                self.message_user(request, f"{len(skipped)} skipped: " + " ".join(skipped), messages.WARNING)
            return None
        return confirm_action_response(
            request,
            self,
            queryset=qualifications,
            action="revoke_selected",
            title="Revoke qualifications",
            intro="Each active qualification below stops gating work at once; the reason is kept with it.",
            form=form,
            submit="Revoke",
            destructive=True,
            rows=[
                (q, "" if q.status == Qualification.Status.ACTIVE else "not active: will be skipped")
                for q in qualifications
            ],
        )
