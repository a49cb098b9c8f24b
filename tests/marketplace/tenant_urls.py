"""An admin site whose membership admin is a plain ``TenantAdmin``: the base class, unadorned."""

from django.urls import include, path

from accounts.models import Membership
from marketplace.admin import MarketplaceAdminSite, TenantAdmin


class PlainMembershipAdmin(TenantAdmin):
    fields = ["organization", "user", "role"]


plain_site = MarketplaceAdminSite(name="plain")
plain_site.register(Membership, PlainMembershipAdmin)

urlpatterns = [
    path("plain-admin/", plain_site.urls),
    path("", include("marketplace.urls")),
]
