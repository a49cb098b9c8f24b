from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, viewsets

from accounts.api.serializers import MembershipOutput, OrganizationOutput
from accounts.models import Membership, Organization
from marketplace.api import OrganizationScopedMixin


@extend_schema(tags=["Organization"], summary="The organization this request acts for")
class CurrentOrganizationView(OrganizationScopedMixin, generics.RetrieveAPIView):
    serializer_class = OrganizationOutput
    queryset = Organization.objects.all()

    def get_object(self):
        organization = generics.get_object_or_404(self.get_queryset())
        self.check_object_permissions(self.request, organization)
        return organization


@extend_schema_view(
    list=extend_schema(tags=["Organization"], summary="Members of the organization"),
    retrieve=extend_schema(tags=["Organization"], summary="One member of the organization"),
)
class MembershipViewSet(OrganizationScopedMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = MembershipOutput
    queryset = Membership.objects.all()

    def scope_queryset(self, queryset):
        return queryset.select_related("user")
