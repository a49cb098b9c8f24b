"""The admin site and the base class every lab-owned model's admin uses.

Platform staff (superusers, or ``is_staff`` with Django permissions) see every organization. Lab
staff reach the admin through a ``Membership`` instead of ``is_staff``, and ``TenantAdmin`` scopes
everything they see or touch to the organization of the request: querysets, foreign-key choices,
new rows, and object URLs (another organization's object is a 404, exactly like a missing one).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import Membership, User
from accounts.selectors import SESSION_ORGANIZATION_KEY, membership_for_request, membership_list_for_user
from marketplace.tenancy import is_organization_owned


def is_platform_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_staff))


class MarketplaceAdminSite(admin.AdminSite):
    site_header = "Assay administration"
    site_title = "Assay admin"
    index_title = "Overview"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return is_platform_staff(user) or membership_for_request(request) is not None

    def login(self, request: HttpRequest, extra_context=None):
        """Sign-in happens in one place, the accounts pages, for staff and experts alike."""
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated and self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if request.user.is_authenticated:
            messages.error(request, "This account has no access to the administration site.")
            return redirect("home")
        return HttpResponseRedirect(f"{reverse('account_login')}?next={next_url}")

    def logout(self, request: HttpRequest, extra_context=None):
        return redirect("account_logout")

    def password_change(self, request: HttpRequest, extra_context=None):
        return redirect("account_change_password")

    def get_urls(self):
        urls = super().get_urls()
        switch = path(
            "organization/switch/",
            self.admin_view(require_POST(self.switch_organization)),
            name="switch_organization",
        )
        return [switch, *urls]

    def switch_organization(self, request: HttpRequest):
        """Choose which of the user's organizations the admin (and session API calls) act for."""
        wanted = request.POST.get("organization", "")
        membership = next(
            (m for m in membership_list_for_user(user=request.user) if str(m.organization_id) == wanted), None
        )
        if membership is None:
            raise Http404("Not found.")
        request.session[SESSION_ORGANIZATION_KEY] = membership.organization_id
        messages.success(request, f"Now working in {membership.organization}.")
        return redirect("admin:index")

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        if request.user.is_authenticated:
            context["organization_memberships"] = membership_list_for_user(user=request.user)
            context["current_membership"] = membership_for_request(request)
        return context


class TenantAdminForm(forms.ModelForm):
    """Refuses links between rows of different organizations, whoever edits the row."""

    #: set by TenantAdmin for lab staff; platform staff pick the organization in the form
    tenant_organization = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.tenant_organization is not None and self.instance._state.adding:
            self.instance.organization = self.tenant_organization

    def validate_unique(self):
        """Check uniqueness that involves the organization even though lab staff never see that field."""
        exclude = self._get_validation_exclusions()
        if self.tenant_organization is not None:
            exclude.discard("organization")
        try:
            self.instance.validate_unique(exclude=exclude)
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as exc:
            self._update_errors(exc)

    def clean(self):
        cleaned = super().clean()
        organization = (
            self.tenant_organization or cleaned.get("organization") or getattr(self.instance, "organization", None)
        )
        if organization is None:
            return cleaned
        for name, value in cleaned.items():
            field = self._meta.model._meta.get_field(name) if name in self._model_field_names() else None
            if field is None or not field.is_relation or name == "organization":
                continue
            related = value.all() if hasattr(value, "all") else ([] if value is None else [value])
            for obj in related:
                if is_organization_owned(type(obj)) and obj.organization_id != organization.pk:
                    self.add_error(name, f"“{obj}” belongs to another organization.")
        return cleaned

    def _model_field_names(self) -> set[str]:
        return {f.name for f in self._meta.model._meta.get_fields()}


class TenantAdmin(admin.ModelAdmin):
    """Admin for a model owned by an organization. Subclasses do not filter by hand."""

    form = TenantAdminForm
    #: roles that may add, change and delete; every member may view
    write_roles = frozenset({Membership.Role.OWNER, Membership.Role.ADMIN})

    # --- who may do what ---

    def _membership(self, request: HttpRequest) -> Membership | None:
        return None if is_platform_staff(request.user) else membership_for_request(request)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        if is_platform_staff(request.user):
            return super().has_view_permission(request, obj)
        return self._membership(request) is not None and self._in_scope(request, obj)

    def has_add_permission(self, request):
        if is_platform_staff(request.user):
            return super().has_add_permission(request)
        membership = self._membership(request)
        return membership is not None and membership.role in self.write_roles

    def has_change_permission(self, request, obj=None):
        if is_platform_staff(request.user):
            return super().has_change_permission(request, obj)
        membership = self._membership(request)
        return membership is not None and membership.role in self.write_roles and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        if is_platform_staff(request.user):
            return super().has_delete_permission(request, obj)
        membership = self._membership(request)
        return membership is not None and membership.role in self.write_roles and self._in_scope(request, obj)

    def _in_scope(self, request, obj) -> bool:
        if obj is None or is_platform_staff(request.user):
            return True
        membership = self._membership(request)
        return membership is not None and self.organization_of(obj) == membership.organization_id

    def organization_of(self, obj) -> int | None:
        return obj.organization_id

    # --- what they see ---

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_platform_staff(request.user):
            return queryset
        membership = self._membership(request)
        return queryset.for_org(membership.organization if membership else None)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if is_platform_staff(request.user):
            return fields
        return [f for f in fields if f != "organization"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if is_platform_staff(request.user):
            return fieldsets
        return [
            (title, {**options, "fields": [f for f in options.get("fields", ()) if f != "organization"]})
            for title, options in fieldsets
        ]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if is_platform_staff(request.user):
            return filters
        return [f for f in filters if f != "organization"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        membership = self._membership(request)
        if membership is not None:
            form = type(form.__name__, (form,), {"tenant_organization": membership.organization})
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _limit_choices(self, db_field: models.Field, request, kwargs: dict) -> None:
        membership = self._membership(request)
        if membership is None or is_platform_staff(request.user):
            return
        related = db_field.related_model
        if related._meta.label == "accounts.Organization":
            kwargs["queryset"] = related.objects.for_org(membership.organization)
        elif is_organization_owned(related):
            kwargs["queryset"] = kwargs.get("queryset", related._default_manager).for_org(membership.organization)
        elif related is User:
            # Lab staff pick people among their organization's members, never from all accounts.
            kwargs["queryset"] = User.objects.filter(memberships__organization=membership.organization)

    def save_model(self, request, obj, form, change):
        membership = self._membership(request)
        if membership is not None and not change:
            obj.organization = membership.organization
        super().save_model(request, obj, form, change)

    # --- object URLs: another organization's object is "not found", like a missing one ---

    def _object_or_404(self, request, object_id: str):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"{self.opts.verbose_name.capitalize()} not found.")
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._object_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._object_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)
