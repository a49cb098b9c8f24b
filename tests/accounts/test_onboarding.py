import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Domain, ExpertDomain, ExpertProfile
from accounts.services.experts import expert_domains_set, expert_profile_update, expert_terms_accept
from marketplace.errors import ValidationFailed
from tests.factories import DEFAULT_PASSWORD, ExpertProfileFactory, QualificationFactory

PROFILE = {
    "display_name": "Lise Meitner",
    "country": "AT",
    "timezone": "Europe/Vienna",
    "languages": ["de", "en"],
    "education": "doctorate",
    "occupation": "Nuclear physicist",
    "bio": "Worked on radioactivity & nuclear fission.",
}


@pytest.fixture
def signed_in(client, expert):
    client.force_login(expert)
    return client


def _profile_snapshot(user) -> dict | None:
    profile = ExpertProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {name: getattr(profile, name) for name in [*PROFILE, "terms_version", "terms_accepted_at", "status"]}


def _domains_of(user) -> dict[str, int]:
    return dict(ExpertDomain.objects.filter(expert=user).values_list("domain__slug", "years_experience"))


def _domains_post(**picks: int) -> dict:
    data = {}
    for slug, years in picks.items():
        data[f"pick-{slug}"] = "on"
        data[f"years-{slug}"] = str(years)
    return data


# --- the wizard's path ------------------------------------------------------------------------------


def test_onboarding_starts_at_the_profile_step(signed_in):
    response = signed_in.get("/onboarding/")

    assert response.status_code == 302
    assert response["Location"] == "/onboarding/profile/"


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/onboarding/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/onboarding/profile/")


def test_unknown_step_is_not_found(signed_in):
    assert signed_in.get("/onboarding/payment/").status_code == 404


def test_step_indicator_marks_done_current_and_to_do(signed_in, expert):
    ExpertProfileFactory(user=expert)

    page = signed_in.get("/onboarding/domains/").content.decode()

    assert 'class="is-done"' in page and "Your profile</a>" in page and "(done)" in page
    assert 'class="is-current" aria-current="step"' in page and "(current step)" in page
    assert "(to do)" in page
    assert 'href="/onboarding/profile/">Back</a>' in page


def test_saving_the_profile_moves_on_to_domains(signed_in, expert):
    response = signed_in.post("/onboarding/profile/", PROFILE)

    assert response.status_code == 302
    assert response["Location"] == "/onboarding/domains/"
    profile = ExpertProfile.objects.get(user=expert)
    assert (profile.display_name, profile.country.code, profile.timezone) == ("Lise Meitner", "AT", "Europe/Vienna")
    assert profile.languages == ["de", "en"]
    assert profile.profile_complete
    assert profile.status == ExpertProfile.Status.ONBOARDING


def test_leaving_after_the_profile_and_coming_back_resumes_at_domains_with_the_data_kept(expert):
    first_visit = Client()
    first_visit.force_login(expert)
    first_visit.post("/onboarding/profile/", PROFILE)
    first_visit.post("/accounts/logout/")
    second_visit = Client()
    second_visit.post("/accounts/login/", {"login": expert.email, "password": DEFAULT_PASSWORD})

    resumed = second_visit.get("/onboarding/")
    back_to_profile = second_visit.get("/onboarding/profile/")

    assert resumed["Location"] == "/onboarding/domains/"
    form = back_to_profile.context["form"]
    assert form["display_name"].value() == "Lise Meitner"
    assert form["country"].value() == "AT"
    assert form["timezone"].value() == "Europe/Vienna"
    assert form["languages"].value() == ["de", "en"]
    assert form["bio"].value() == PROFILE["bio"]
    page = back_to_profile.content.decode()
    assert 'value="Lise Meitner"' in page
    assert "Worked on radioactivity &amp; nuclear fission." in page


def test_domains_step_shows_each_top_level_domain_with_its_sub_domains(signed_in):
    page = signed_in.get("/onboarding/domains/").content.decode()

    assert "<legend>Physics</legend>" in page
    physics = page.index("<legend>Physics</legend>")
    next_fieldset = page.index("<legend>", physics + 1)
    assert "Quantum mechanics" in page[physics:next_fieldset]
    assert 'name="pick-quantum-mechanics"' in page and 'name="years-quantum-mechanics"' in page


def test_domains_step_is_prefilled_from_the_saved_choices(signed_in, expert):
    expert_domains_set(user=expert, domains=[(Domain.objects.get(slug="poetry"), 12)])

    response = signed_in.get("/onboarding/domains/")

    form = response.context["form"]
    assert form["pick-poetry"].value() is True
    assert form["years-poetry"].value() == 12
    assert form["pick-fiction"].value() in (None, False)


def test_saving_domains_replaces_the_previous_choice(signed_in, expert):
    ExpertProfileFactory(user=expert)
    expert_domains_set(user=expert, domains=[(Domain.objects.get(slug="poetry"), 12)])

    response = signed_in.post("/onboarding/domains/", _domains_post(physics=8, **{"quantum-mechanics": 5}))

    assert response.status_code == 302
    assert response["Location"] == "/onboarding/terms/"
    assert _domains_of(expert) == {"physics": 8, "quantum-mechanics": 5}


def test_accepting_the_terms_last_lands_on_the_dashboard(signed_in, expert):
    ExpertProfileFactory(user=expert)
    expert_domains_set(user=expert, domains=[(Domain.objects.get(slug="physics"), 3)])

    response = signed_in.post("/onboarding/terms/", {"agree": "on", "version": settings.EXPERT_TERMS_VERSION})

    assert response["Location"] == "/dashboard/"
    profile = ExpertProfile.objects.get(user=expert)
    assert profile.terms_accepted and profile.terms_version == settings.EXPERT_TERMS_VERSION


def test_terms_step_shows_the_terms_text(signed_in):
    page = signed_in.get("/onboarding/terms/").content.decode()

    assert "Confidentiality" in page and "Stripe" in page and "One account per person" in page
    assert f"version {settings.EXPERT_TERMS_VERSION}" in page


def test_the_terms_are_public(client, db):
    response = client.get("/terms/")

    assert response.status_code == 200
    assert "Honest time reporting" in response.content.decode()


def test_the_wizard_is_done_once_every_step_is(signed_in, expert):
    ExpertProfileFactory(
        user=expert, terms_version=settings.EXPERT_TERMS_VERSION, terms_accepted_at="2026-11-01T00:00Z"
    )
    expert_domains_set(user=expert, domains=[(Domain.objects.get(slug="physics"), 3)])

    assert signed_in.get("/onboarding/")["Location"] == "/dashboard/"


# --- activation -----------------------------------------------------------------------------------


def test_completing_the_checklist_with_a_qualification_activates_the_expert(signed_in, expert):
    QualificationFactory(expert=expert)
    signed_in.post("/onboarding/profile/", PROFILE)
    signed_in.post("/onboarding/domains/", _domains_post(physics=10))
    assert ExpertProfile.objects.get(user=expert).status == ExpertProfile.Status.ONBOARDING

    signed_in.post("/onboarding/terms/", {"agree": "on", "version": settings.EXPERT_TERMS_VERSION})

    assert ExpertProfile.objects.get(user=expert).status == ExpertProfile.Status.ACTIVE


def test_without_a_qualification_the_expert_stays_onboarding(signed_in, expert):
    signed_in.post("/onboarding/profile/", PROFILE)
    signed_in.post("/onboarding/domains/", _domains_post(physics=10))

    signed_in.post("/onboarding/terms/", {"agree": "on", "version": settings.EXPERT_TERMS_VERSION})

    assert ExpertProfile.objects.get(user=expert).status == ExpertProfile.Status.ONBOARDING


# --- each step refuses bad input and saves nothing ------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Select a valid choice"),
        ({"languages": ["en", "klingon"]}, "languages", "Select a valid choice"),
        ({"country": "XX"}, "country", "Select a valid choice"),
        ({"country": ""}, "country", "This field is required"),
        ({"languages": []}, "languages", "This field is required"),
        ({"display_name": "  "}, "display_name", "This field is required"),
        ({"bio": "x" * 2001}, "bio", "at most 2000 characters"),
    ],
    ids=["bad-timezone", "unknown-language", "unknown-country", "no-country", "no-language", "blank-name", "long-bio"],
)
def test_profile_step_with_bad_input_saves_nothing(signed_in, expert, change, field, message):
    ExpertProfileFactory(user=expert, display_name="Before", timezone="Europe/Paris", languages=["fr"], bio="Old bio")
    before = _profile_snapshot(expert)

    response = signed_in.post("/onboarding/profile/", {**PROFILE, **change})

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "Nothing was saved" in response.content.decode()
    assert _profile_snapshot(expert) == before


def test_profile_step_with_bad_input_creates_no_profile(signed_in, expert):
    signed_in.post("/onboarding/profile/", {**PROFILE, "timezone": "Nowhere/Special"})

    assert _profile_snapshot(expert) is None


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (_domains_post(physics=80), "years-physics", "less than or equal to 70"),
        (_domains_post(physics=-1), "years-physics", "greater than or equal to 0"),
        ({"pick-physics": "on", "years-physics": ""}, "years-physics", "Enter your years of experience in Physics"),
        ({}, None, "Choose at least one domain"),
        ({"years-physics": "5"}, None, "Choose at least one domain"),
    ],
    ids=["80-years", "negative-years", "ticked-without-years", "nothing-ticked", "years-but-not-ticked"],
)
def test_domains_step_with_bad_input_saves_nothing(signed_in, expert, data, where, message):
    expert_domains_set(user=expert, domains=[(Domain.objects.get(slug="poetry"), 12)])

    response = signed_in.post("/onboarding/domains/", {**_domains_post(law=4), **data} if where else data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[where] if where else errors["__all__"])
    assert _domains_of(expert) == {"poetry": 12}


def test_the_error_summary_links_to_each_field_in_error(signed_in):
    response = signed_in.post("/onboarding/domains/", _domains_post(physics=80))

    page = response.content.decode()
    assert '<a href="#id_years-physics">Years of experience in Physics</a>' in page
    assert 'value="80"' in page


def test_terms_step_without_the_box_ticked_accepts_nothing(signed_in, expert):
    ExpertProfileFactory(user=expert)

    response = signed_in.post("/onboarding/terms/", {"version": settings.EXPERT_TERMS_VERSION})

    assert response.status_code == 200
    assert "Tick the box to accept the terms" in response.content.decode()
    profile = ExpertProfile.objects.get(user=expert)
    assert profile.terms_accepted_at is None and profile.terms_version == ""


def test_terms_changed_while_reading_are_not_accepted(signed_in, expert):
    ExpertProfileFactory(user=expert)

    response = signed_in.post("/onboarding/terms/", {"agree": "on", "version": "2020-01"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "The expert terms have changed" in page
    assert f'name="version" value="{settings.EXPERT_TERMS_VERSION}"' in page  # the next try accepts these
    assert not ExpertProfile.objects.get(user=expert).terms_accepted


def test_the_wizard_refuses_a_post_without_the_csrf_token(expert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(expert)

    response = client.post("/onboarding/profile/", PROFILE)

    assert response.status_code == 403
    assert _profile_snapshot(expert) is None


def test_user_input_is_escaped_when_shown_again(signed_in, expert):
    signed_in.post("/onboarding/profile/", {**PROFILE, "occupation": "<script>alert(1)</script>"})

    page = signed_in.get("/onboarding/profile/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- the services on their own -------------------------------------------------------------------


def test_profile_service_names_every_bad_field(expert):
    with pytest.raises(ValidationFailed) as raised:
        expert_profile_update(
            user=expert,
            display_name="",
            country="XX",
            timezone="Mars/Base",
            languages=["tlh"],
            education="wizardry",
            occupation="",
            bio="",
        )

    assert set(raised.value.details) == {"display_name", "country", "timezone", "languages", "education", "occupation"}
    assert "Your profile was not saved" in raised.value.message
    assert not ExpertProfile.objects.filter(user=expert).exists()


@pytest.mark.parametrize(
    ("picks", "message"),
    [
        ([], "Choose at least one domain"),
        ([("physics", 3), ("physics", 4)], "Physics is listed more than once"),
        ([("physics", 71)], "from 0 to 70"),
        ([("physics", True)], "from 0 to 70"),
        ([("physics", "5")], "from 0 to 70"),
    ],
    ids=["none", "duplicate", "71-years", "bool-years", "text-years"],
)
def test_domains_service_refuses_bad_choices_and_keeps_the_old_ones(expert, picks, message):
    expert_domains_set(user=expert, domains=[(Domain.objects.get(slug="law"), 2)])
    domains = [(Domain.objects.get(slug=slug), years) for slug, years in picks]

    with pytest.raises(ValidationFailed) as raised:
        expert_domains_set(user=expert, domains=domains)

    assert message in raised.value.message
    assert _domains_of(expert) == {"law": 2}


def test_a_domain_and_its_sub_domain_may_both_be_declared(expert):
    rows = expert_domains_set(
        user=expert,
        domains=[(Domain.objects.get(slug="physics"), 10), (Domain.objects.get(slug="quantum-mechanics"), 6)],
    )

    assert {row.domain.slug for row in rows} == {"physics", "quantum-mechanics"}


def test_terms_service_accepts_only_the_current_version(expert):
    with pytest.raises(ValidationFailed):
        expert_terms_accept(user=expert, version="1999-01")
    assert not ExpertProfile.objects.filter(user=expert, terms_accepted_at__isnull=False).exists()

    profile = expert_terms_accept(user=expert, version=settings.EXPERT_TERMS_VERSION)

    assert profile.terms_accepted


def test_accepting_the_terms_twice_keeps_the_first_date(expert):
    first = expert_terms_accept(user=expert, version=settings.EXPERT_TERMS_VERSION).terms_accepted_at

    again = expert_terms_accept(user=expert, version=settings.EXPERT_TERMS_VERSION).terms_accepted_at

    assert again == first


def test_signing_in_lands_on_the_dashboard(client, expert):
    response = client.post("/accounts/login/", {"login": expert.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
