"""Tenant isolation across every admin model and every API route, discovered rather than listed.

For each surface, a member of organization A (and an expert who belongs to no organization) tries to
reach a row of organization B. Adding a model to the admin or a route to the API adds it here.
The last tests plant a deliberately unscoped admin and API route and show the same checks catch them.
"""

import pytest
from django.test import override_settings

from accounts.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.isolation import Principal, admin_models, api_routes, check_admin_model, check_api_route, session_principal
from tests.marketplace import leaky_urls

LEAKY_URLCONF = "tests.marketplace.leaky_urls"
ADMIN_MODELS = admin_models()
API_ROUTES = api_routes()


@pytest.fixture
def orgs(db):
    own = OrganizationFactory(name="Own Lab", slug="own-lab")
    other = OrganizationFactory(name="Rival Lab", slug="rival-lab")
    member = MembershipFactory(organization=own, role=Membership.Role.OWNER, user=UserFactory(email="a@own.test"))
    MembershipFactory(organization=other, role=Membership.Role.OWNER, user=UserFactory(email="b@rival.test"))
    return own, other, member


@pytest.fixture(params=["member_of_other_org", "unrelated_expert"])
def principal(request, orgs) -> Principal:
    _, _, member = orgs
    if request.param == "member_of_other_org":
        return session_principal(request.param, member.user, is_member=True)
    return session_principal(request.param, UserFactory(email="expert@solo.test"), is_member=False)


def test_surfaces_are_discovered():
    labels = {m._meta.label for m in ADMIN_MODELS}
    assert {"accounts.Organization", "accounts.Membership", "accounts.User"} <= labels
    assert any(route.kwargs for route in API_ROUTES), "no API route with an object id was found"


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_admin_model_is_isolated(model, orgs, principal):
    own, other, _ = orgs
    leaks = check_admin_model(model, principal=principal, own=own, other=other)
    assert not leaks, "\n".join(map(str, leaks))


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.name or r.pattern)
def test_api_route_is_isolated(route, orgs, principal):
    own, other, _ = orgs
    leaks = check_api_route(route, principal=principal, own=own, other=other)
    assert not leaks, "\n".join(map(str, leaks))


# --- the checks catch what they are for ---------------------------------------------------------


@override_settings(ROOT_URLCONF=LEAKY_URLCONF)
@pytest.mark.parametrize("site", [leaky_urls.naive_site, leaky_urls.forgetful_site], ids=lambda s: s.name)
def test_admin_check_catches_an_unscoped_admin(site, orgs):
    own, other, member = orgs

    leaks = check_admin_model(
        Membership, principal=session_principal("member", member.user, is_member=True), own=own, other=other, site=site
    )

    assert any("lists another organization's row" in leak.detail for leak in leaks), leaks
    assert any(leak.where.endswith("/change/") for leak in leaks), leaks


@override_settings(ROOT_URLCONF=LEAKY_URLCONF)
def test_api_check_catches_an_unscoped_route(orgs):
    own, other, member = orgs
    routes = {route.name: route for route in api_routes(LEAKY_URLCONF)}
    principal = session_principal("member", member.user, is_member=True)

    detail_leaks = check_api_route(routes["leaky-detail"], principal=principal, own=own, other=other)
    list_leaks = check_api_route(routes["leaky-list"], principal=principal, own=own, other=other)
    opaque_leaks = check_api_route(routes["opaque-detail"], principal=principal, own=own, other=other)

    assert any("answers 200" in leak.detail for leak in detail_leaks), detail_leaks
    assert any("was changed" in leak.detail for leak in detail_leaks), detail_leaks  # DELETE went through
    assert any("lists another organization's row" in leak.detail for leak in list_leaks), list_leaks
    assert any("declare `queryset`" in leak.detail for leak in opaque_leaks), opaque_leaks
    assert {"leaky-detail", "leaky-list", "opaque-detail"} <= set(routes), "discovery missed the planted routes"
