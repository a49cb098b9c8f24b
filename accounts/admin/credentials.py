"""The credential review queue, for platform staff only.

A plain ``ModelAdmin``: Django's permission checks keep lab staff out (they hold no model
permissions), so lab staff never see experts' documents. Staff decide, they do not edit the claim:
every field is read-only, and approving or rejecting, one at a time or in bulk, goes through the
credential services, which record who decided and when and email the expert.
"""

import datetime

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from accounts.forms.credentials import (
    CredentialApproveForm,
    CredentialDecisionForm,
    CredentialRejectForm,
    apply_errors,
)
from accounts.models import Credential, CredentialDecision, Domain, ExpertProfile, Level
from accounts.services.credentials import credential_reject, credential_verify, rejection_reason_label
from marketplace.errors import ApplicationError

CONFIRM_TEMPLATE = "admin/accounts/credential/confirm_action.html"


# --- filters ----------------------------------------------------------------------------------


class CredentialStatusFilter(admin.SimpleListFilter):
    """Opens on the queue (awaiting review); every status, and all of them, stay one click away."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Credential.Status.choices, (self.ALL, "All")]

    def value(self):
        return super().value() or Credential.Status.SUBMITTED

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value == self.ALL else queryset.filter(status=value)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class DomainFilter(admin.SimpleListFilter):
    """A top-level domain takes in its sub-domains; a sub-domain is just itself."""

    title = "domain"
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        domains = list(Domain.objects.order_by("name"))
        children: dict[int, list[Domain]] = {}
        for domain in domains:
            if domain.parent_id:
                children.setdefault(domain.parent_id, []).append(domain)
        found = []
        for top in (d for d in domains if d.parent_id is None):
            found.append((top.slug, top.name))
            found.extend((child.slug, f"— {child.name}") for child in children.get(top.pk, []))
        return found

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        domain = Domain.objects.filter(slug=self.value()).first()
        if domain is None:
            return queryset.none()
        return queryset.filter(Q(domain=domain) | Q(domain__parent=domain))


class AgeFilter(admin.SimpleListFilter):
    """How long a credential has waited since it was submitted."""

    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("week", "This week (last 7 days)"),
            ("over_week", "Older than a week"),
            ("over_30", "Older than 30 days"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        bounds = {
            "today": Q(submitted_at__gte=start_of_today),
            "week": Q(submitted_at__gte=now - datetime.timedelta(days=7)),
            "over_week": Q(submitted_at__lt=now - datetime.timedelta(days=7)),
            "over_30": Q(submitted_at__lt=now - datetime.timedelta(days=30)),
        }
        condition = bounds.get(self.value())
        return queryset if condition is None else queryset.filter(condition)


# --- shared displays --------------------------------------------------------------------------


def pseudonym_of(user) -> str:
    try:
        return user.expert_profile.pseudonym
    except ExpertProfile.DoesNotExist:
        return "—"


def confirm_action_response(
    request,
    model_admin,
    *,
    queryset,
    action: str,
    title: str,
    intro: str,
    form,
    submit: str,
    rows,
    destructive: bool = False,
) -> TemplateResponse:
    """The intermediate page of a bulk action: what will happen to which rows, and a form for it."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "intro": intro,
        "opts": model_admin.opts,
        "form": form,
        "rows": rows,
        "pks": [obj.pk for obj in queryset],
        "action": action,
        "submit": submit,
        "destructive": destructive,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, CONFIRM_TEMPLATE, context, status=400 if form.errors else 200)


# --- the admin --------------------------------------------------------------------------------


class CredentialDecisionInline(admin.TabularInline):
    """Who changed the credential's status, when and why: read-only, append-only."""

    model = CredentialDecision
    fields = ["decided_at", "from_status", "to_status", "reason_label", "note", "decided_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "decision"
    verbose_name_plural = "decision history"

    @admin.display(description="reason")
    def reason_label(self, obj):
        return rejection_reason_label(obj.reason) if obj.reason else "—"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    change_form_template = "admin/accounts/credential/change_form.html"
    list_display = ["title", "expert_email", "pseudonym", "kind", "domain", "status", "age"]
    list_display_links = ["title"]
    list_filter = [CredentialStatusFilter, "kind", DomainFilter, AgeFilter]
    list_select_related = ["expert__expert_profile", "domain__parent"]
    search_fields = ["expert__email", "expert__expert_profile__pseudonym", "title", "issuer", "identifier"]
    ordering = ["submitted_at", "pk"]
    list_per_page = 50
    inlines = [CredentialDecisionInline]
    actions = ["approve_selected", "reject_selected"]
    fieldsets = [
        ("Expert", {"fields": ["expert_link", "expert_names", "pseudonym", "profile_status"]}),
        ("Claim", {"fields": ["kind", "domain", "title", "issuer", "identifier", "issued_on", "expires_on"]}),
        (
            "Evidence file",
            {"fields": ["evidence_name", "evidence_content_type", "evidence_size_display", "evidence_sha256"]},
        ),
        (
            "Status",
            {
                "fields": [
                    "status",
                    "submitted_at",
                    "decided_at",
                    "decided_by",
                    "decision_reason_label",
                    "decision_note",
                ]
            },
        ),
    ]
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]

    # --- displays ---

    @admin.display(description="expert", ordering="expert__email")
    def expert_email(self, obj):
        return obj.expert.email

    @admin.display(description="pseudonym", ordering="expert__expert_profile__pseudonym")
    def pseudonym(self, obj):
        return pseudonym_of(obj.expert)

    @admin.display(description="age", ordering="submitted_at")
    def age(self, obj):
        return timesince(obj.submitted_at, depth=1)

    @admin.display(description="expert")
    def expert_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:accounts_user_change", args=[obj.expert_id]), obj.expert.email
        )

    @admin.display(description="names on the account")
    def expert_names(self, obj):
        try:
            display_name = obj.expert.expert_profile.display_name
        except ExpertProfile.DoesNotExist:
            display_name = ""
        names = [n for n in dict.fromkeys([obj.expert.name, display_name]) if n]
        return " / ".join(names) or "—"

    @admin.display(description="expert status")
    def profile_status(self, obj):
        try:
            return obj.expert.expert_profile.get_status_display()
        except ExpertProfile.DoesNotExist:
            return "—"

    @admin.display(description="size")
    def evidence_size_display(self, obj):
        return f"{obj.evidence_size:,} bytes"

    @admin.display(description="reason")
    def decision_reason_label(self, obj):
        return rejection_reason_label(obj.decision_reason) if obj.decision_reason else "—"

    # --- permissions: staff decide through the services; nobody adds, edits or deletes here ---

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_decide(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    # --- the change page: evidence, history and the decision form ---

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        decide = path(
            "<path:object_id>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="{}_{}_decide".format(*info),
        )
        return [decide, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET"], "Staff decide with the decision form; the claim is not edited.")
        obj = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if obj is not None:
            evidence_url = reverse("credential_evidence", args=[obj.pk])
            extra_context.setdefault("decision_form", CredentialDecisionForm())
            extra_context.update(
                {
                    "can_decide": obj.status == Credential.Status.SUBMITTED and self._may_decide(request, obj),
                    "decide_url": reverse(f"{self.admin_site.name}:accounts_credential_decide", args=[obj.pk]),
                    "evidence_url": evidence_url,
                    "evidence_inline_url": f"{evidence_url}?inline=1",
                    "evidence_is_pdf": obj.evidence_content_type == "application/pdf",
                    "evidence_is_image": obj.evidence_content_type in {"image/png", "image/jpeg"},
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        credential = self.get_object(request, unquote(object_id))
        if credential is None:
            raise Http404("Credential not found.")
        if not self._may_decide(request, credential):
            raise PermissionDenied
        form = CredentialDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == CredentialDecisionForm.APPROVE:
                    credential_verify(
                        credential=credential, level=data["level"], decided_by=request.user, note=data["note"]
                    )
                    done = f"approved at the {Level(data['level']).label} level"
                else:
                    credential_reject(
                        credential=credential, reason=data["reason"], note=data["note"], decided_by=request.user
                    )
                    done = f"rejected ({rejection_reason_label(data['reason']).lower()})"
            except ApplicationError as exc:
                if not any(field in form.fields for field in exc.details):
                    # Nothing the form can fix (decided meanwhile, not allowed): say so on the page itself.
                    self.message_user(request, exc.message, messages.ERROR)
                    return HttpResponseRedirect(
                        reverse(f"{self.admin_site.name}:accounts_credential_change", args=[credential.pk])
                    )
                apply_errors(form, exc)
            else:
                self.message_user(
                    request,
                    f"“{credential.title}” from {credential.expert.email} is {done}; the expert has been emailed.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse(f"{self.admin_site.name}:accounts_credential_changelist"))
        # Show the page again with the form and its errors. Nothing was saved, so it is rendered as a read.
        request.method = "GET"
        response = self.change_view(request, object_id, extra_context={"decision_form": form})
        response.status_code = 400
        return response

    # --- bulk decisions ---

    def _selected(self, request, queryset):
        """The rows ticked, whatever the list's filters now hide (a row decided meanwhile is reported)."""
        ids = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if request.POST.get("apply") and ids:
            return self.get_queryset(request).filter(pk__in=ids).select_related("expert").order_by("submitted_at")
        return queryset.select_related("expert").order_by("submitted_at")

    def _rows(self, credentials) -> list[tuple[Credential, str]]:
        return [
            (
                credential,
                "" if credential.status == Credential.Status.SUBMITTED else "already decided: will be skipped",
            )
            for credential in credentials
        ]

    def _decide_each(self, request, credentials, decide, *, done: str) -> None:
        decided, skipped = [], []
        for credential in credentials:
            try:
                decide(credential)
            except ApplicationError as exc:
                skipped.append(exc.message)
            else:
                decided.append(credential)
        if decided:
            self.message_user(
                request,
                f"{len(decided)} credential{'s' if len(decided) != 1 else ''} {done}; "
                f"{'each expert has' if len(decided) != 1 else 'the expert has'} been emailed.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(request, f"{len(skipped)} skipped: " + " ".join(skipped), messages.WARNING)

    @admin.action(description="Approve selected credentials…", permissions=["change"])
    def approve_selected(self, request, queryset):
        credentials = list(self._selected(request, queryset))
        form = CredentialApproveForm(request.POST if request.POST.get("apply") else None)
        if form.is_bound and form.is_valid():
            level, note = form.cleaned_data["level"], form.cleaned_data["note"]
            self._decide_each(
                request,
                credentials,
                lambda c: credential_verify(credential=c, level=level, decided_by=request.user, note=note),
                done=f"approved at the {Level(level).label} level",
            )
            return None
        return confirm_action_response(
            request,
            self,
            queryset=credentials,
            action="approve_selected",
            title="Approve credentials",
            intro="Each credential below is verified and earns a qualification in its own domain at the level you "
            "choose, valid until the credential expires. Each expert is emailed.",
            form=form,
            submit="Approve",
            rows=self._rows(credentials),
        )

    @admin.action(description="Reject selected credentials…", permissions=["change"])
    def reject_selected(self, request, queryset):
        credentials = list(self._selected(request, queryset))
        form = CredentialRejectForm(request.POST if request.POST.get("apply") else None)
        if form.is_bound and form.is_valid():
            reason, note = form.cleaned_data["reason"], form.cleaned_data["note"]
            self._decide_each(
                request,
                credentials,
                lambda c: credential_reject(credential=c, reason=reason, note=note, decided_by=request.user),
                done=f"rejected ({rejection_reason_label(reason).lower()})",
            )
            return None
        return confirm_action_response(
            request,
            self,
            queryset=credentials,
            action="reject_selected",
            title="Reject credentials",
            intro="Each credential below is rejected with the reason and note you give; each expert is emailed "
            "them, with how to add the credential again.",
            form=form,
            submit="Reject",
            rows=self._rows(credentials),
            destructive=True,
        )
