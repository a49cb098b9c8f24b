import pytest
from django.test import override_settings

from accounts.models import Membership
from tests.factories import MembershipFactory, UserFactory

Role = Membership.Role
PLAIN = "tests.marketplace.tenant_urls"


def _member_emails(response) -> set[str]:
    return {m.user.email for m in response.context["cl"].queryset}


def test_anonymous_admin_visitors_sign_in_through_the_accounts_pages(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    followed = client.get(response["Location"])
    assert followed.status_code == 302
    assert followed["Location"].startswith("/accounts/login/?next=/admin/")


def test_experts_without_an_organization_are_turned_away(client, expert):
    client.force_login(expert)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "no access to the administration site" in response.content.decode()


def test_lab_owner_sees_lab_models_and_not_accounts(client, owner_a):
    client.force_login(owner_a.user)

    response = client.get("/admin/")

    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {"Organization", "Membership"} <= models
    assert not models & {"User", "ExpertProfile", "Credential", "Qualification", "Exam", "ExamAttempt", "Domain"}
    assert client.get("/admin/accounts/user/").status_code == 403


def test_superuser_sees_every_organization(client, superuser, owner_a, owner_b):
    client.force_login(superuser)

    response = client.get("/admin/accounts/membership/")

    assert _member_emails(response) == {"owner-a@example.com", "owner-b@example.com"}


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
def test_reviewers_and_viewers_read_but_do_not_change(client, owner_a, role):
    reader = MembershipFactory(organization=owner_a.organization, role=role)
    client.force_login(reader.user)

    listing = client.get("/admin/accounts/membership/")
    add = client.get("/admin/accounts/membership/add/")
    change = client.post(f"/admin/accounts/membership/{owner_a.pk}/change/", {"role": Role.VIEWER})

    assert listing.status_code == 200
    assert add.status_code == 403
    assert change.status_code == 403
    owner_a.refresh_from_db()
    assert owner_a.role == Role.OWNER


def test_owner_adds_a_member_by_email_into_their_own_organization(client, owner_a, owner_b):
    UserFactory(email="new.reviewer@example.com")
    client.force_login(owner_a.user)

    response = client.post(
        "/admin/accounts/membership/add/",
        {"email": "New.Reviewer@example.com", "role": Role.REVIEWER, "organization": owner_b.organization_id},
    )

    assert response.status_code == 302
    added = Membership.objects.get(user__email="new.reviewer@example.com")
    assert (added.organization, added.role) == (owner_a.organization, Role.REVIEWER)


def test_adding_an_unknown_email_says_why_and_changes_nothing(client, owner_a):
    client.force_login(owner_a.user)
    before = Membership.objects.count()

    response = client.post("/admin/accounts/membership/add/", {"email": "ghost@example.com", "role": Role.VIEWER})

    assert response.status_code == 200
    assert "ask them to sign up first" in response.content.decode()
    assert Membership.objects.count() == before


def test_the_last_owner_cannot_be_demoted_or_deleted_in_the_admin(client, owner_a):
    client.force_login(owner_a.user)

    change = client.post(f"/admin/accounts/membership/{owner_a.pk}/change/", {"role": Role.VIEWER})
    delete = client.post(f"/admin/accounts/membership/{owner_a.pk}/delete/", {"post": "yes"})

    assert change.status_code == 200
    assert "at least one owner" in change.content.decode()
    assert delete.status_code == 403
    owner_a.refresh_from_db()
    assert owner_a.role == Role.OWNER


def test_lab_owner_sees_only_their_organization(client, owner_a, owner_b):
    client.force_login(owner_a.user)

    organizations = client.get("/admin/accounts/organization/")
    rename = client.post(f"/admin/accounts/organization/{owner_a.organization_id}/change/", {"name": "Lab A2"})

    assert {o.slug for o in organizations.context["cl"].queryset} == {"lab-a"}
    assert rename.status_code == 302
    owner_a.organization.refresh_from_db()
    assert owner_a.organization.name == "Lab A2"
    assert owner_a.organization.slug == "lab-a"
    assert client.get("/admin/accounts/organization/add/").status_code == 403


def test_switching_organization_changes_what_the_admin_shows(client, owner_a, owner_b):
    both = owner_a.user
    MembershipFactory(organization=owner_b.organization, user=both, role=Role.VIEWER)
    client.force_login(both)

    before = _member_emails(client.get("/admin/accounts/membership/"))
    switched = client.post("/admin/organization/switch/", {"organization": owner_b.organization_id})
    after = _member_emails(client.get("/admin/accounts/membership/"))

    assert before == {"owner-a@example.com"}
    assert switched.status_code == 302
    assert after == {"owner-a@example.com", "owner-b@example.com"}  # both are members of Lab B now


def test_switching_to_a_foreign_organization_is_not_found(client, owner_a, owner_b):
    client.force_login(owner_a.user)

    response = client.post("/admin/organization/switch/", {"organization": owner_b.organization_id})

    assert response.status_code == 404
    assert "organization_id" not in client.session


@override_settings(ROOT_URLCONF=PLAIN)
def test_plain_tenant_admin_offers_only_own_members_and_assigns_the_organization(client, owner_a, owner_b):
    colleague = MembershipFactory(organization=owner_a.organization, role=Role.VIEWER).user
    client.force_login(owner_a.user)

    form = client.get("/plain-admin/accounts/membership/add/").context["adminform"].form
    offered = set(form.fields["user"].queryset.values_list("email", flat=True))
    response = client.post(
        "/plain-admin/accounts/membership/add/",
        {"user": owner_b.user_id, "role": Role.VIEWER, "organization": owner_b.organization_id},
    )

    assert "organization" not in form.fields
    assert offered == {"owner-a@example.com", colleague.email}
    assert response.status_code == 200  # the foreign user is not a valid choice
    assert not Membership.objects.filter(organization=owner_a.organization, user=owner_b.user).exists()
    assert Membership.objects.filter(organization=owner_b.organization).count() == 1


@override_settings(ROOT_URLCONF=PLAIN)
def test_plain_tenant_admin_checks_uniqueness_within_the_organization(client, owner_a):
    colleague = MembershipFactory(organization=owner_a.organization, role=Role.VIEWER).user
    client.force_login(owner_a.user)
    before = Membership.objects.count()

    response = client.post("/plain-admin/accounts/membership/add/", {"user": colleague.pk, "role": Role.ADMIN})

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Membership.objects.count() == before


@override_settings(ROOT_URLCONF=PLAIN)
def test_platform_staff_cannot_link_rows_across_organizations(client, superuser, owner_a, owner_b):
    client.force_login(superuser)

    response = client.post(
        "/plain-admin/accounts/membership/add/",
        {"user": owner_b.user_id, "role": Role.VIEWER, "organization": owner_a.organization_id},
    )

    assert response.status_code == 302  # users are not organization-owned: linking them is the point
    assert Membership.objects.filter(organization=owner_a.organization, user=owner_b.user).exists()
