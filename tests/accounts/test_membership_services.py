import pytest

from accounts import services
from accounts.models import Membership, Organization
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.factories import MembershipFactory, UserFactory

Role = Membership.Role


def _roles(organization) -> dict[str, str]:
    return dict(Membership.objects.filter(organization=organization).values_list("user__email", "role"))


def test_organization_create_makes_the_creator_owner(db):
    founder = UserFactory(email="founder@lab.test")

    organization = services.organization_create(name="Deep Thought Labs", owner=founder)

    assert organization.slug == "deep-thought-labs"
    assert _roles(organization) == {"founder@lab.test": Role.OWNER}


def test_organization_create_refuses_a_taken_slug(org_a):
    with pytest.raises(Conflict, match="taken"):
        services.organization_create(name="Lab A", slug="lab-a", owner=UserFactory())

    assert Organization.objects.filter(slug="lab-a").count() == 1


def test_membership_add_by_email(owner_a):
    UserFactory(email="reviewer@lab.test")

    membership = services.membership_add(actor=owner_a, email=" Reviewer@Lab.TEST ", role=Role.REVIEWER)

    assert membership.organization == owner_a.organization
    assert _roles(owner_a.organization)["reviewer@lab.test"] == Role.REVIEWER


@pytest.mark.parametrize(
    ("email", "role", "error", "message"),
    [
        ("nobody@lab.test", Role.VIEWER, NotFound, "ask them to sign up"),
        ("owner-a@example.com", Role.VIEWER, Conflict, "already a member"),
        ("someone@lab.test", "emperor", ValidationFailed, "Unknown role"),
    ],
)
def test_membership_add_refuses_with_a_reason(owner_a, email, role, error, message):
    UserFactory(email="someone@lab.test")
    before = _roles(owner_a.organization)

    with pytest.raises(error, match=message):
        services.membership_add(actor=owner_a, email=email, role=role)

    assert _roles(owner_a.organization) == before


@pytest.mark.parametrize("actor_role", [Role.REVIEWER, Role.VIEWER])
def test_only_owners_and_admins_manage_members(org_a, actor_role):
    actor = MembershipFactory(organization=org_a, role=actor_role)
    UserFactory(email="new@lab.test")

    with pytest.raises(Forbidden):
        services.membership_add(actor=actor, email="new@lab.test", role=Role.VIEWER)

    assert not Membership.objects.filter(user__email="new@lab.test").exists()


def test_an_admin_cannot_grant_or_remove_ownership(owner_a):
    admin = MembershipFactory(organization=owner_a.organization, role=Role.ADMIN)
    viewer = MembershipFactory(organization=owner_a.organization, role=Role.VIEWER)

    with pytest.raises(Forbidden, match="owner"):
        services.membership_change_role(actor=admin, membership=viewer, role=Role.OWNER)
    with pytest.raises(Forbidden, match="owner"):
        services.membership_remove(actor=admin, membership=owner_a)

    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER
    assert Membership.objects.filter(pk=owner_a.pk).exists()


def test_the_last_owner_stays(owner_a):
    with pytest.raises(Conflict, match="at least one owner"):
        services.membership_change_role(actor=owner_a, membership=owner_a, role=Role.VIEWER)
    with pytest.raises(Conflict, match="at least one owner"):
        services.membership_remove(actor=owner_a, membership=owner_a)

    owner_a.refresh_from_db()
    assert owner_a.role == Role.OWNER


def test_an_owner_hands_over_ownership(owner_a):
    successor = MembershipFactory(organization=owner_a.organization, role=Role.ADMIN)

    services.membership_change_role(actor=owner_a, membership=successor, role=Role.OWNER)
    successor.refresh_from_db()
    services.membership_remove(actor=successor, membership=owner_a)

    assert _roles(owner_a.organization) == {successor.user.email: Role.OWNER}


def test_members_of_another_organization_are_not_found(owner_a, owner_b):
    with pytest.raises(NotFound):
        services.membership_change_role(actor=owner_a, membership=owner_b, role=Role.VIEWER)
    with pytest.raises(NotFound):
        services.membership_remove(actor=owner_a, membership=owner_b)

    owner_b.refresh_from_db()
    assert owner_b.role == Role.OWNER
