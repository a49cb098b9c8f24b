"""The base every lab API view builds on.

``OrganizationScopedMixin`` resolves the organization of the request once (through
``accounts.selectors.membership_for_request``), refuses requests that act for none, and scopes the
view's queryset to it. Subclasses declare ``queryset`` and may narrow it in ``scope_queryset``;
they may not override ``get_queryset`` (the class refuses to be defined if they do), so no view
can forget the organization. Another organization's object is then simply not in the queryset:
a 404 with the same message as an object that does not exist.
"""

from django.db.models import QuerySet
from rest_framework import pagination, permissions
from rest_framework.request import Request

from accounts.models import Membership
from accounts.selectors import membership_for_request

READ_ROLES = frozenset(Membership.Role.values)
WRITE_ROLES = frozenset({Membership.Role.OWNER, Membership.Role.ADMIN})


class Pagination(pagination.CursorPagination):
    """Stable, constant-time pages: a cursor over the primary key, newest first."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class IsOrganizationMember(permissions.BasePermission):
    """The request acts for an organization, with a role that allows the method."""

    message = "This account does not act for any organization."

    def has_permission(self, request: Request, view) -> bool:
        membership = membership_for_request(request)
        if membership is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return membership.role in getattr(view, "read_roles", READ_ROLES)
        if membership.role not in getattr(view, "write_roles", WRITE_ROLES):
            self.message = f"The {membership.get_role_display().lower()} role cannot make changes here."
            return False
        return True

    def has_object_permission(self, request: Request, view, obj) -> bool:
        membership = membership_for_request(request)
        owner_id = obj.pk if obj._meta.label == "accounts.Organization" else getattr(obj, "organization_id", None)
        return membership is not None and owner_id == membership.organization_id


class OrganizationScopedMixin:
    permission_classes = [permissions.IsAuthenticated, IsOrganizationMember]
    read_roles = READ_ROLES
    write_roles = WRITE_ROLES

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset(); narrow the queryset in scope_queryset() instead, "
                "so the organization scope is always applied."
            )

    @property
    def membership(self) -> Membership:
        return membership_for_request(self.request)

    @property
    def organization(self):
        membership = self.membership
        return membership.organization if membership else None

    def get_queryset(self) -> QuerySet:
        if self.queryset is None:
            raise TypeError(f"{type(self).__name__} must declare a queryset")
        return self.scope_queryset(self.queryset.all().for_org(self.organization))

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        """Narrow or annotate the already-scoped queryset (filters, select_related)."""
        return queryset

    def perform_create(self, serializer):
        serializer.save(organization=self.organization)
