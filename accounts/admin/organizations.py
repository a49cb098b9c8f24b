from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts import services
from accounts.models import Membership, Organization, User
from marketplace.admin import TenantAdmin, TenantAdminForm, is_platform_staff
from marketplace.errors import ApplicationError


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts: platform staff only (lab staff have no Django permissions)."""

    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "is_superuser", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]})]


@admin.register(Organization)
class OrganizationAdmin(TenantAdmin):
    """Labs. Lab staff see only the organization they are working in; owners may rename it."""

    list_display = ["name", "slug", "created"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    write_roles = frozenset({Membership.Role.OWNER})

    def organization_of(self, obj) -> int:
        return obj.pk

    def has_add_permission(self, request):
        return is_platform_staff(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return is_platform_staff(request.user) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if is_platform_staff(request.user) else ["slug", "created"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if is_platform_staff(request.user) else {}


class MembershipForm(TenantAdminForm):
    """For lab staff: add people by their account's email address, never by browsing accounts."""

    email = forms.EmailField(required=False, help_text="The address the person signed up with.")

    class Meta:
        model = Membership
        fields = ["role"]

    actor: Membership | None = None

    def clean(self):
        cleaned = super().clean()
        if self.actor is None or self.errors:
            return cleaned
        try:
            if self.instance.pk is None:
                if not cleaned.get("email"):
                    self.add_error("email", "Enter the member's email address.")
                    return cleaned
                services.membership_add_check(actor=self.actor, email=cleaned["email"], role=cleaned["role"])
            else:
                services.membership_change_role_check(
                    actor=self.actor,
                    membership=Membership.objects.get(pk=self.instance.pk),
                    role=cleaned["role"],
                    owners=services.owner_count(self.actor.organization),
                )
        except ApplicationError as exc:
            field = next((name for name in exc.details if name in self.fields), None)
            self.add_error(field, exc.message)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(TenantAdmin):
    list_display = ["user", "role", "organization", "created"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]

    def get_form(self, request, obj=None, **kwargs):
        membership = self._membership(request)
        if membership is None:
            return super().get_form(request, obj, **kwargs)
        kwargs["form"] = MembershipForm
        kwargs["fields"] = ["email", "role"] if obj is None else ["role"]
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": membership})

    def get_fields(self, request, obj=None):
        if self._membership(request) is None:
            return ["organization", "user", "role"]
        return ["email", "role"] if obj is None else ["user", "role"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None and self._membership(request) is not None else []

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        actor = self._membership(request)
        if actor is None or obj is None:
            return True
        try:
            services.membership_remove_check(
                actor=actor, membership=obj, owners=services.owner_count(actor.organization)
            )
        except ApplicationError:
            return False
        return True

    def save_model(self, request, obj, form, change):
        actor = self._membership(request)
        if actor is None:
            return super().save_model(request, obj, form, change)
        if change:
            saved = services.membership_change_role(actor=actor, membership=obj, role=form.cleaned_data["role"])
        else:
            saved = services.membership_add(
                actor=actor, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        obj.pk, obj.user, obj.organization = saved.pk, saved.user, saved.organization

    def delete_model(self, request, obj):
        actor = self._membership(request)
        if actor is None:
            return super().delete_model(request, obj)
        services.membership_remove(actor=actor, membership=obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self._membership(request) is not None:
            actions.pop("delete_selected", None)  # one at a time, through the rules above
        return actions
