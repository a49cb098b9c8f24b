"""Expert management and the domain taxonomy: platform staff only.

These are plain ``ModelAdmin``s: their Django permission checks keep lab staff (who are not
``is_staff`` and hold no permissions) out. Profiles are read here, never edited: status changes go
through ``expert_suspend`` / ``expert_reinstate``, which ask for a reason the expert will read.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F
from django.db.models.functions import Coalesce, Lower
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django_countries.filters import CountryFilter

from accounts.models import Credential, Domain, ExpertDomain, ExpertProfile, Qualification
from accounts.selectors.eligibility import LANGUAGE_NAMES
from accounts.services.experts import (
    STATUS_REASON_MAX_LENGTH,
    domain_check,
    domain_create,
    domain_update,
    expert_reinstate,
    expert_suspend,
)
from marketplace.errors import ApplicationError

STATUS_TEMPLATE = "admin/accounts/expertprofile/status_change.html"


class StatusReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=STATUS_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text="Shown to the expert on their dashboard and sent to them by email. Be specific and civil.",
    )


# what each status change is called, which service makes it, and what it says when done
STATUS_CHANGES = {
    "suspend": {
        "title": "Suspend experts",
        "verb": "Suspend",
        "intro": "A suspended expert keeps their account but cannot claim work or be eligible for any project "
        "until reinstated. They see the reason below and receive it by email.",
        "service": expert_suspend,
        "done": "suspended",
    },
    "reinstate": {
        "title": "Reinstate experts",
        "verb": "Reinstate",
        "intro": "A reinstated expert becomes active again if their onboarding is complete, and returns to "
        "onboarding otherwise. They receive the note below by email.",
        "service": expert_reinstate,
        "done": "reinstated",
    },
}


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    change_form_template = "admin/accounts/expertprofile/change_form.html"
    list_display = ["pseudonym", "email", "country", "status", "created"]
    list_filter = ["status", ("country", CountryFilter), "education"]
    search_fields = ["user__email", "pseudonym", "display_name"]
    list_select_related = ["user"]
    ordering = ["-created", "-pk"]
    actions = ["suspend_selected", "reinstate_selected"]
    fieldsets = [
        ("Expert", {"fields": ["pseudonym", "account", "display_name", "country", "timezone", "language_names"]}),
        ("Background", {"fields": ["education", "occupation", "bio", "declared_domains"]}),
        ("Proof of expertise", {"fields": ["proof"]}),
        ("Terms", {"fields": ["terms_version", "terms_accepted_at"]}),
        ("Status", {"fields": ["status", "status_reason", "status_changed_at", "status_changed_by"]}),
        ("Dates", {"fields": ["created", "updated"]}),
    ]
    readonly_fields = [
        "pseudonym",
        "account",
        "display_name",
        "country",
        "timezone",
        "language_names",
        "education",
        "occupation",
        "bio",
        "declared_domains",
        "proof",
        "terms_version",
        "terms_accepted_at",
        "status",
        "status_reason",
        "status_changed_at",
        "status_changed_by",
        "created",
        "updated",
    ]

    # --- displays ---

    @admin.display(description="email", ordering="user__email")
    def email(self, obj: ExpertProfile) -> str:
        return obj.user.email

    @admin.display(description="account")
    def account(self, obj: ExpertProfile) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:accounts_user_change", args=[obj.user_id]), obj.user.email
        )

    @admin.display(description="languages")
    def language_names(self, obj: ExpertProfile) -> str:
        return ", ".join(LANGUAGE_NAMES.get(code, code) for code in obj.languages) or "—"

    @admin.display(description="declared domains")
    def declared_domains(self, obj: ExpertProfile) -> str:
        rows = ExpertDomain.objects.filter(expert_id=obj.user_id).select_related("domain__parent")
        if not rows:
            return "None yet."
        return format_html(
            "<table><thead><tr><th>Domain</th><th>Years of experience</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td></tr>", ((str(r.domain), r.years_experience) for r in rows)
            ),
        )

    @admin.display(description="credentials and qualifications")
    def proof(self, obj: ExpertProfile) -> str:
        credentials = Credential.objects.filter(expert_id=obj.user_id).count()
        qualifications = Qualification.objects.current().filter(expert_id=obj.user_id).count()
        parts = [
            self._changelist_link(
                Credential, f"expert__id__exact={obj.user_id}&status=all", f"{credentials} credential(s)"
            ),
            self._changelist_link(
                Qualification, f"expert__id__exact={obj.user_id}", f"{qualifications} current qualification(s)"
            ),
        ]
        return format_html_join(" · ", "{}", ((part,) for part in parts))

    def _changelist_link(self, model, query: str, label: str) -> str:
        if not self.admin_site.is_registered(model):
            return label
        try:
            url = reverse(f"{self.admin_site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")
        except NoReverseMatch:
            return label
        return format_html('<a href="{}?{}">{}</a>', url, query, label)

    # --- permissions: nobody adds, edits or deletes profiles here ---

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET"], "Profiles are read here; status changes have their own pages.")
        obj = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if obj is not None and self.has_change_permission(request, obj):
            extra_context["status_links"] = [
                (reverse(f"{self.admin_site.name}:accounts_expertprofile_{change}", args=[obj.pk]), spec["verb"])
                for change, spec in STATUS_CHANGES.items()
                if self._applies(change, obj)
            ]
        extra_context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _applies(change: str, obj: ExpertProfile) -> bool:
        suspended = obj.status in {ExpertProfile.Status.PAUSED, ExpertProfile.Status.BANNED}
        return suspended if change == "reinstate" else not suspended

    # --- suspend and reinstate: a bulk action and a button, both through a page asking the reason ---

    def get_urls(self):
        urls = [
            path(
                f"<path:object_id>/{change}/",
                self.admin_site.admin_view(self._status_view(change)),
                name=f"accounts_expertprofile_{change}",
            )
            for change in STATUS_CHANGES
        ]
        return [*urls, *super().get_urls()]

    def _status_view(self, change: str):
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404("Expert profile not found.")
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
            change_url = reverse(f"{self.admin_site.name}:accounts_expertprofile_change", args=[obj.pk])
            form = StatusReasonForm(request.POST if request.method == "POST" else None)
            if (
                request.method == "POST"
                and form.is_valid()
                and self._apply(request, change, [obj], form.cleaned_data["reason"])
            ):
                return HttpResponseRedirect(change_url)
            return self._status_page(request, change, [obj], form, cancel_url=change_url)

        return view

    @admin.action(description="Suspend selected experts (asks for a reason)", permissions=["change"])
    def suspend_selected(self, request, queryset):
        return self._status_action(request, "suspend", queryset)

    @admin.action(description="Reinstate selected experts (asks for a reason)", permissions=["change"])
    def reinstate_selected(self, request, queryset):
        return self._status_action(request, "reinstate", queryset)

    def _status_action(self, request: HttpRequest, change: str, queryset):
        profiles = list(queryset.select_related("user"))
        form = StatusReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._apply(request, change, profiles, form.cleaned_data["reason"])
            return None  # back to the list, with a message per outcome
        return self._status_page(request, change, profiles, form, action=f"{change}_selected")

    def _apply(self, request: HttpRequest, change: str, profiles: list[ExpertProfile], reason: str) -> bool:
        spec = STATUS_CHANGES[change]
        done, failed = [], []
        for profile in profiles:
            try:
                changed = spec["service"](user=profile.user, reason=reason, by=request.user)
            except ApplicationError as exc:
                failed.append(exc.message)
            else:
                done.append(changed.pseudonym)
                self.log_change(request, changed, f"{spec['verb']}: {reason}")
        if done:
            messages.success(request, f"{', '.join(done)} {spec['done']}; the expert has been emailed.")
        for message in failed:
            messages.error(request, message)
        return bool(done)

    def _status_page(self, request, change, profiles, form, *, action: str = "", cancel_url: str = ""):
        spec = STATUS_CHANGES[change]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": spec["title"],
            "intro": spec["intro"],
            "submit": spec["verb"],
            "profiles": profiles,
            "form": form,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "cancel_url": cancel_url or reverse(f"{self.admin_site.name}:accounts_expertprofile_changelist"),
        }
        return TemplateResponse(request, STATUS_TEMPLATE, context)


# --- the taxonomy -----------------------------------------------------------------------------------


class DomainForm(forms.ModelForm):
    class Meta:
        model = Domain
        fields = ["name", "slug", "parent", "description"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        existing = self.instance if self.instance.pk else None
        try:
            domain_check(
                domain=existing,
                name=cleaned.get("name", ""),
                slug=cleaned.get("slug", existing.slug if existing else ""),
                parent=cleaned.get("parent"),
            )
        except ApplicationError as exc:
            for name, problems in exc.details.items():
                for problem in problems:
                    self.add_error(name if name in self.fields else None, problem)
        return cleaned

    def validate_unique(self):
        """``domain_check`` has checked the slug and the name within the parent, in words."""


class SubDomainInline(admin.TabularInline):
    model = Domain
    fk_name = "parent"
    fields = ["name", "slug", "description"]
    readonly_fields = ["name", "slug", "description"]
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "sub-domain"
    verbose_name_plural = "sub-domains"

    def has_add_permission(self, request, obj=None):
        return False  # added with the "Add a sub-domain" link, through the service


class TopLevelFilter(admin.SimpleListFilter):
    title = "level in the taxonomy"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("top", "Top-level domains"), ("sub", "Sub-domains")]

    def queryset(self, request, queryset):
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    """The taxonomy, listed as a tree: each top-level domain followed by its sub-domains."""

    form = DomainForm
    list_display = ["tree_name", "slug", "sub_domains", "description"]
    list_filter = [TopLevelFilter]
    search_fields = ["name", "slug", "parent__name", "description"]
    list_select_related = ["parent"]
    list_per_page = 200
    inlines = [SubDomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(child_count=Count("children"))

    def get_ordering(self, request):
        """Each top-level domain, then its sub-domains by name (sub-domains sort under their parent)."""
        return [Lower(Coalesce(F("parent__name"), F("name"))), F("parent").asc(nulls_first=True), Lower("name")]

    @admin.display(description="domain", ordering=Lower(Coalesce(F("parent__name"), F("name"))))
    def tree_name(self, obj: Domain) -> str:
        if obj.parent_id is None:
            return format_html("<strong>{}</strong>", obj.name)
        return format_html("&nbsp;&nbsp;&nbsp;&nbsp;↳ {}", obj.name)

    @admin.display(description="sub-domains", ordering="child_count")
    def sub_domains(self, obj: Domain) -> str:
        add_url = reverse(f"{self.admin_site.name}:accounts_domain_add") + f"?parent={obj.pk}"
        return format_html('{} · <a href="{}">add one</a>', obj.child_count, add_url)

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj is not None else []

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["name"]} if obj is None else {}

    def has_delete_permission(self, request, obj=None):
        return False  # requirements stored as JSON refer to slugs; rename or move a domain instead

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = domain_update(
                domain=obj, name=data["name"], parent=data.get("parent"), description=data.get("description", "")
            )
        else:
            saved = domain_create(
                name=data["name"], slug=data["slug"], parent=data.get("parent"), description=data.get("description", "")
            )
        obj.pk, obj.slug = saved.pk, saved.slug
