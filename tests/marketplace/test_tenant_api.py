import pytest
from rest_framework import viewsets

from accounts.models import Membership
from marketplace.api import OrganizationScopedMixin
from tests.factories import MembershipFactory

Role = Membership.Role


def test_members_list_only_their_organization(client, owner_a, owner_b):
    colleague = MembershipFactory(organization=owner_a.organization, role=Role.VIEWER)
    client.force_login(owner_a.user)

    response = client.get("/api/v1/memberships/")

    assert response.status_code == 200
    assert {m["email"] for m in response.json()["results"]} == {"owner-a@example.com", colleague.user.email}


def test_current_organization_is_the_members_own(client, owner_a, owner_b):
    client.force_login(owner_a.user)

    response = client.get("/api/v1/organization/")

    assert response.json() == {
        "id": owner_a.organization_id,
        "name": "Lab A",
        "slug": "lab-a",
        "created": response.json()["created"],
    }


def test_organization_header_picks_among_the_users_memberships(client, owner_a, owner_b):
    MembershipFactory(organization=owner_b.organization, user=owner_a.user, role=Role.VIEWER)
    client.force_login(owner_a.user)

    default = client.get("/api/v1/organization/")
    chosen = client.get("/api/v1/organization/", headers={"X-Organization": "lab-b"})

    assert default.json()["slug"] == "lab-a"
    assert chosen.json()["slug"] == "lab-b"


def test_organization_header_for_a_foreign_organization_acts_for_none(client, owner_a, owner_b):
    client.force_login(owner_a.user)

    response = client.get("/api/v1/memberships/", headers={"X-Organization": "lab-b"})

    assert response.status_code == 403
    assert "owner-b@example.com" not in response.content.decode()


def test_viewers_read_the_api(client, owner_a):
    viewer = MembershipFactory(organization=owner_a.organization, role=Role.VIEWER)
    client.force_login(viewer.user)

    assert client.get(f"/api/v1/memberships/{owner_a.pk}/").json()["role"] == "owner"


def test_scoped_views_may_not_override_get_queryset():
    with pytest.raises(TypeError, match="scope_queryset"):

        class Careless(OrganizationScopedMixin, viewsets.ReadOnlyModelViewSet):
            queryset = Membership.objects.all()

            def get_queryset(self):
                return Membership.objects.all()
