from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api.views import CurrentOrganizationView, MembershipViewSet

router = SimpleRouter()
router.register("memberships", MembershipViewSet, basename="membership")

urlpatterns = [
    path("organization/", CurrentOrganizationView.as_view(), name="organization-current"),
    *router.urls,
]
