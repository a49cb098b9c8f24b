"""Deliberately unscoped admin sites and API routes, for proving that the isolation checks work."""

from django.contrib import admin
from django.urls import include, path
from rest_framework import permissions, viewsets

from accounts.api.serializers import MembershipOutput
from accounts.models import Membership
from marketplace.admin import MarketplaceAdminSite, TenantAdmin


class NaiveMembershipAdmin(admin.ModelAdmin):
    """The mistake to catch: an admin that lets members in without scoping anything."""

    def has_module_permission(self, request):
        return True

    def has_view_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        return True


class ForgetfulTenantAdmin(TenantAdmin):
    """The subtler mistake: a tenant admin subclass that widens its queryset again."""

    def get_queryset(self, request):
        return Membership.objects.all()


def _site_with(name: str, membership_admin: type[admin.ModelAdmin]) -> MarketplaceAdminSite:
    site = MarketplaceAdminSite(name=name)
    for model, model_admin in admin.site._registry.items():
        site.register(model, type(model_admin))
    site.unregister(Membership)
    site.register(Membership, membership_admin)
    return site


naive_site = _site_with("naive", NaiveMembershipAdmin)
forgetful_site = _site_with("forgetful", ForgetfulTenantAdmin)


class LeakyMembershipViewSet(viewsets.ModelViewSet):
    """The mistake to catch: a plain DRF viewset over a lab-owned model."""

    queryset = Membership.objects.all()
    serializer_class = MembershipOutput
    permission_classes = [permissions.IsAuthenticated]


class OpaqueViewSet(viewsets.ViewSet):
    """A route with an object id whose model the check cannot know."""

    def retrieve(self, request, pk=None):
        raise NotImplementedError


urlpatterns = [
    path("naive-admin/", naive_site.urls),
    path("forgetful-admin/", forgetful_site.urls),
    path(
        "api/v1/leaky/",
        include(
            [
                path("memberships/", LeakyMembershipViewSet.as_view({"get": "list"}), name="leaky-list"),
                path(
                    "memberships/<int:pk>/",
                    LeakyMembershipViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
                    name="leaky-detail",
                ),
                path("opaque/<int:pk>/", OpaqueViewSet.as_view({"get": "retrieve"}), name="opaque-detail"),
            ]
        ),
    ),
    path("", include("marketplace.urls")),
]
