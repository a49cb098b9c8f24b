import datetime

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from accounts.forms.onboarding import requirements_dict_from_query
from accounts.models import Credential, Domain, ExamAttempt, ExpertDomain, ExpertProfile, Level, Qualification
from accounts.selectors.eligibility import Requirements, eligibility_check, requirements_describe
from marketplace.errors import ValidationFailed
from tests.factories import (
    CredentialFactory,
    ExamFactory,
    ExpertProfileFactory,
    QualificationFactory,
    UserFactory,
)

TODAY = timezone.localdate()
LAST_YEAR = TODAY - datetime.timedelta(days=365)
NEXT_YEAR = TODAY + datetime.timedelta(days=365)


def _domain(slug: str) -> Domain:
    return Domain.objects.get(slug=slug)


def _expert(*, email: str = "physicist@example.com", **profile):
    """An active, fully onboarded expert in France speaking English and French, with no qualification yet."""
    user = UserFactory(email=email)
    defaults = {
        "status": ExpertProfile.Status.ACTIVE,
        "terms_version": settings.EXPERT_TERMS_VERSION,
        "terms_accepted_at": timezone.now(),
        "country": "FR",
        "languages": ["en", "fr"],
    }
    ExpertProfileFactory(user=user, **{**defaults, **profile})
    ExpertDomain.objects.create(expert=user, domain=_domain("physics"), years_experience=10)
    return user


def _qualify(user, slug: str, level: int, **kwargs) -> Qualification:
    return QualificationFactory(expert=user, domain=_domain(slug), level=level, **kwargs)


def _credential(user, *, kind="license", domain="medicine", **kwargs) -> Credential:
    return CredentialFactory(expert=user, kind=kind, domain=_domain(domain), **kwargs)


def _qualifying_exam():
    return ExamFactory(slug="physics-qualifying-exam", title="Physics qualifying exam", retake_cooldown_days=30)


def _attempt(user, exam, status, *, days_ago: int = 2) -> ExamAttempt:
    started = timezone.now() - datetime.timedelta(days=days_ago)
    return ExamAttempt.objects.create(
        expert=user,
        exam=exam,
        status=status,
        question_ids=[],
        started_at=started,
        deadline_at=started + datetime.timedelta(minutes=30),
        submitted_at=None if status == ExamAttempt.Status.IN_PROGRESS else started + datetime.timedelta(minutes=20),
    )


def _passed_exam(user, *, qualification_status=Qualification.Status.ACTIVE):
    attempt = _attempt(user, _qualifying_exam(), ExamAttempt.Status.PASSED)
    QualificationFactory(
        expert=user,
        domain=_domain("physics"),
        source=Qualification.Source.EXAM,
        exam_attempt=attempt,
        status=qualification_status,
    )


def _failed_exam(user, *, days_ago: int):
    _attempt(user, _qualifying_exam(), ExamAttempt.Status.FAILED, days_ago=days_ago)


def _retake_date(days_ago: int) -> str:
    finished = timezone.now() - datetime.timedelta(days=days_ago) + datetime.timedelta(minutes=20)
    retake = timezone.localdate(finished) + datetime.timedelta(days=30)
    return f"{retake.day} {retake:%B %Y}"


def _suspend(user, reason="Copied answers from a chatbot in three tasks"):
    ExpertProfile.objects.filter(user=user).update(status=ExpertProfile.Status.PAUSED, status_reason=reason)


# Each case: what the expert holds (applied to an active physicist), the requirements, the reasons expected.
CASES = {
    "all-clear": (
        lambda u: _qualify(u, "physics", Level.PROFESSIONAL),
        {
            "domains": [{"domain": "physics", "level": 2}, {"domain": "quantum-mechanics", "level": 1}],
            "countries": ["FR", "DE"],
            "languages": ["en"],
        },
        [],
    ),
    "no-requirements-active": (lambda u: None, {}, []),
    "suspended": (
        lambda u: (_qualify(u, "physics", Level.EXPERT), _suspend(u)),
        {"domains": [{"domain": "physics", "level": 1}]},
        ["Your account is suspended: Copied answers from a chatbot in three tasks"],
    ),
    "suspended-with-no-requirements": (
        lambda u: _suspend(u),
        {},
        ["Your account is suspended: Copied answers from a chatbot in three tasks"],
    ),
    "banned": (
        lambda u: ExpertProfile.objects.filter(user=u).update(
            status=ExpertProfile.Status.BANNED, status_reason="Two accounts"
        ),
        {},
        ["Your account is closed: Two accounts"],
    ),
    "incomplete-profile": (
        lambda u: ExpertProfile.objects.filter(user=u).update(occupation=""),
        {},
        ["Complete your profile first"],
    ),
    "terms-of-an-old-version": (
        lambda u: ExpertProfile.objects.filter(user=u).update(terms_version="2020-01"),
        {},
        ["Accept the current expert terms first"],
    ),
    "lower-level-held": (
        lambda u: _qualify(u, "quantum-mechanics", Level.FOUNDATIONAL),
        {"domains": [{"domain": "quantum-mechanics", "level": 2}]},
        ["Requires a professional-level qualification in Quantum mechanics; you hold foundational"],
    ),
    "no-qualification-in-domain": (
        lambda u: _qualify(u, "chemistry", Level.EXPERT),
        {"domains": [{"domain": "physics", "level": 1}]},
        ["Requires a qualification in Physics"],
    ),
    "no-qualification-at-level": (
        lambda u: None,
        {"domains": [{"domain": "physics", "level": 3}]},
        ["Requires an expert-level qualification in Physics"],
    ),
    "sub-domain-does-not-satisfy-parent": (
        lambda u: _qualify(u, "quantum-mechanics", Level.EXPERT),
        {"domains": [{"domain": "physics", "level": 1}]},
        ["Requires a qualification in Physics"],
    ),
    "parent-satisfies-sub-domain": (
        lambda u: _qualify(u, "physics", Level.PROFESSIONAL),
        {"domains": [{"domain": "quantum-mechanics", "level": 2}]},
        [],
    ),
    "parent-at-a-lower-level-is-named": (
        lambda u: _qualify(u, "physics", Level.FOUNDATIONAL),
        {"domains": [{"domain": "quantum-mechanics", "level": 2}]},
        ["Requires a professional-level qualification in Quantum mechanics; you hold foundational in Physics"],
    ),
    "sibling-sub-domain-does-not-count": (
        lambda u: _qualify(u, "astrophysics", Level.EXPERT),
        {"domains": [{"domain": "quantum-mechanics", "level": 1}]},
        ["Requires a qualification in Quantum mechanics"],
    ),
    "expired-qualification-does-not-count": (
        lambda u: _qualify(u, "physics", Level.EXPERT, valid_until=LAST_YEAR),
        {"domains": [{"domain": "physics", "level": 1}]},
        ["Requires a qualification in Physics"],
    ),
    "revoked-qualification-does-not-count": (
        lambda u: _qualify(u, "physics", Level.EXPERT, status=Qualification.Status.REVOKED),
        {"domains": [{"domain": "physics", "level": 1}]},
        ["Requires a qualification in Physics"],
    ),
    "domain-credential-awaiting-review-is-mentioned": (
        lambda u: _credential(u, kind="degree", domain="physics"),
        {"domains": [{"domain": "physics", "level": 1}]},
        ["Requires a qualification in Physics (a credential you submitted for it is awaiting review)"],
    ),
    "license-awaiting-review": (
        lambda u: _credential(u),
        {"credential_kinds": ["license"]},
        ["Your professional license (medicine) is awaiting review"],
    ),
    "license-expired": (
        lambda u: _credential(u, status=Credential.Status.EXPIRED, expires_on=datetime.date(2026, 3, 3)),
        {"credential_kinds": ["license"]},
        ["Your professional license (medicine) expired on 3 March 2026; add a renewed one"],
    ),
    "license-verified-but-past-its-date": (
        lambda u: _credential(u, status=Credential.Status.VERIFIED, expires_on=datetime.date(2026, 3, 3)),
        {"credential_kinds": ["license"]},
        ["Your professional license (medicine) expired on 3 March 2026; add a renewed one"],
    ),
    "license-rejected": (
        lambda u: _credential(u, status=Credential.Status.REJECTED),
        {"credential_kinds": ["license"]},
        ["Requires a verified professional license; your professional license (medicine) was not accepted"],
    ),
    "license-missing": (
        lambda u: _credential(u, kind="degree", status=Credential.Status.VERIFIED),
        {"credential_kinds": ["license"]},
        ["Requires a verified professional license"],
    ),
    "license-in-any-domain-counts": (
        lambda u: (
            _qualify(u, "physics", Level.EXPERT),
            _credential(u, domain="law", status=Credential.Status.VERIFIED, expires_on=NEXT_YEAR),
        ),
        {"domains": [{"domain": "physics", "level": 3}], "credential_kinds": ["license"]},
        [],
    ),
    "exam-never-taken": (
        lambda u: _qualifying_exam(),
        {"exams": ["physics-qualifying-exam"]},
        ["Requires the Physics qualifying exam"],
    ),
    "exam-failed-recently": (
        lambda u: _failed_exam(u, days_ago=2),
        {"exams": ["physics-qualifying-exam"]},
        [f"You failed the Physics qualifying exam; you can retake it from {_retake_date(2)}"],
    ),
    "exam-failed-long-ago": (
        lambda u: _failed_exam(u, days_ago=60),
        {"exams": ["physics-qualifying-exam"]},
        ["You failed the Physics qualifying exam; you can retake it now"],
    ),
    "exam-awaiting-grading": (
        lambda u: _attempt(u, _qualifying_exam(), ExamAttempt.Status.PENDING_GRADING),
        {"exams": ["physics-qualifying-exam"]},
        ["Requires the Physics qualifying exam; your attempt is awaiting grading"],
    ),
    "exam-in-progress": (
        lambda u: _attempt(u, _qualifying_exam(), ExamAttempt.Status.IN_PROGRESS, days_ago=0),
        {"exams": ["physics-qualifying-exam"]},
        ["Requires the Physics qualifying exam; finish the attempt you started"],
    ),
    "exam-passed": (lambda u: _passed_exam(u), {"exams": ["physics-qualifying-exam"]}, []),
    "exam-pass-no-longer-current": (
        lambda u: _passed_exam(u, qualification_status=Qualification.Status.EXPIRED),
        {"exams": ["physics-qualifying-exam"]},
        ["Your pass in the Physics qualifying exam is no longer current; take the exam again"],
    ),
    "country-not-listed": (
        lambda u: None,
        {"countries": ["FR", "DE"]},
        [],
    ),
    "wrong-country": (
        lambda u: ExpertProfile.objects.filter(user=u).update(country="ES"),
        {"countries": ["FR", "DE"]},
        ["Open only to experts in France or Germany"],
    ),
    "missing-language": (lambda u: None, {"languages": ["en", "es"]}, ["Requires Spanish"]),
    "missing-languages": (lambda u: None, {"languages": ["es", "de"]}, ["Requires Spanish and German"]),
    "several-reasons-at-once": (
        lambda u: (_credential(u), _qualify(u, "quantum-mechanics", Level.FOUNDATIONAL)),
        {
            "domains": [{"domain": "quantum-mechanics", "level": 2}],
            "credential_kinds": ["license"],
            "countries": ["DE"],
            "languages": ["es"],
        },
        [
            "Requires a professional-level qualification in Quantum mechanics; you hold foundational",
            "Your professional license (medicine) is awaiting review",
            "Open only to experts in Germany",
            "Requires Spanish",
        ],
    ),
}


@pytest.mark.parametrize(("arrange", "requirements", "reasons"), CASES.values(), ids=CASES.keys())
def test_eligibility(db, arrange, requirements, reasons):
    expert = _expert()
    arrange(expert)

    result = eligibility_check(expert=expert, requirements=Requirements.from_dict(requirements))

    assert result.reasons == reasons
    assert result.eligible is (not reasons)


def test_an_onboarding_expert_who_meets_everything_else_is_told_to_finish_onboarding(db):
    expert = _expert(status=ExpertProfile.Status.ONBOARDING)

    result = eligibility_check(expert=expert, requirements=Requirements())

    assert result.reasons == ["Finish the onboarding checklist on your dashboard first"]


def test_a_new_account_without_a_profile_is_told_what_is_missing(db):
    newcomer = UserFactory(email="new@example.com")

    result = eligibility_check(expert=newcomer, requirements=Requirements(domains=[("physics", 1)], languages=["en"]))

    assert result.reasons == [
        "Complete your profile first",
        "Accept the current expert terms first",
        "Choose your domains of expertise first",
        "Requires a qualification in Physics",
        "Requires English",
    ]


def test_another_experts_qualifications_do_not_count(db):
    expert = _expert()
    colleague = _expert(email="colleague@example.com")
    _qualify(colleague, "physics", Level.EXPERT)
    _credential(colleague, status=Credential.Status.VERIFIED)

    result = eligibility_check(
        expert=expert, requirements=Requirements(domains=[("physics", 1)], credential_kinds=["license"])
    )

    assert result.reasons == ["Requires a qualification in Physics", "Requires a verified professional license"]


def test_a_check_runs_a_bounded_number_of_queries_however_many_requirements(db, django_assert_max_num_queries):
    expert = _expert(status=ExpertProfile.Status.ONBOARDING)
    _qualify(expert, "physics", Level.PROFESSIONAL)
    for kind in Credential.Kind.values:
        _credential(expert, kind=kind)
    exams = [ExamFactory(slug=f"exam-{n}") for n in range(6)]
    for exam in exams:
        _attempt(expert, exam, ExamAttempt.Status.FAILED)
    slugs = list(Domain.objects.values_list("slug", flat=True))
    requirements = Requirements(
        domains=[(slug, Level.EXPERT) for slug in slugs],
        credential_kinds=list(Credential.Kind.values),
        exams=[exam.slug for exam in exams],
        countries=["DE", "ES", "IT"],
        languages=["es", "de", "it"],
    )

    with django_assert_max_num_queries(7):
        result = eligibility_check(expert=expert, requirements=requirements)

    assert len(result.reasons) > len(slugs) + len(exams)


# --- the requirements' JSON form -------------------------------------------------------------------


def test_requirements_survive_a_round_trip_through_json(db):
    ExamFactory(slug="physics-qualifying-exam")
    data = {
        "domains": [{"domain": "physics", "level": 2}, {"domain": "quantum-mechanics", "level": 1}],
        "credential_kinds": ["license"],
        "exams": ["physics-qualifying-exam"],
        "countries": ["FR", "DE"],
        "languages": ["en"],
    }

    requirements = Requirements.from_dict(data)

    assert requirements.domains == [("physics", 2), ("quantum-mechanics", 1)]
    assert requirements.to_dict() == data


def test_requirements_accept_level_names_pairs_and_lower_case_countries(db):
    requirements = Requirements.from_dict(
        {"domains": [{"domain": "law", "level": "professional"}, ["physics", "3"]], "countries": ["fr"]}
    )

    assert requirements.domains == [("law", 2), ("physics", 3)]
    assert requirements.countries == ["FR"]


def test_empty_requirements_are_empty(db):
    assert Requirements.from_dict({}).is_empty
    assert Requirements.from_dict(None).is_empty
    assert Requirements.from_dict({}).to_dict() == {
        "domains": [],
        "credential_kinds": [],
        "exams": [],
        "countries": [],
        "languages": [],
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"domains": [{"domain": "alchemy", "level": 1}]}, "domains", "Unknown domain “alchemy”"),
        ({"domains": [{"domain": "physics", "level": 5}]}, "domains", "Level 5 for “physics” is not a level"),
        ({"domains": [{"domain": "physics", "level": 0}]}, "domains", "is not a level"),
        ({"domains": [{"domain": "physics", "level": "guru"}]}, "domains", "is not a level"),
        ({"domains": [{"domain": "physics", "level": True}]}, "domains", "is not a level"),
        ({"domains": [{"level": 2}]}, "domains", "has no domain slug"),
        ({"domains": ["physics"]}, "domains", "Give each domain as"),
        ({"domains": [["physics", 1], ["physics", 2]]}, "domains", "listed more than once"),
        ({"credential_kinds": ["diploma"]}, "credential_kinds", "Unknown credential kind 'diploma'"),
        ({"exams": ["no-such-exam"]}, "exams", "Unknown exam “no-such-exam”"),
        ({"countries": ["XX"]}, "countries", "Unknown country code “XX”"),
        ({"languages": ["tlh"]}, "languages", "Unknown language code “tlh”"),
        ({"languages": "en"}, "languages", "Give a list"),
        ({"skills": ["python"]}, "non_field_errors", "Unknown requirement key(s): skills"),
    ],
    ids=[
        "unknown-domain",
        "level-5",
        "level-0",
        "level-name-unknown",
        "level-bool",
        "no-slug",
        "bare-string",
        "duplicate-domain",
        "unknown-kind",
        "unknown-exam",
        "unknown-country",
        "unknown-language",
        "not-a-list",
        "unknown-key",
    ],
)
def test_requirements_from_dict_names_the_problem(db, data, field, message):
    with pytest.raises(ValidationFailed) as raised:
        Requirements.from_dict(data)

    assert any(message in problem for problem in raised.value.details[field])
    assert message in raised.value.message


def test_requirements_from_dict_reports_every_problem_at_once(db):
    with pytest.raises(ValidationFailed) as raised:
        Requirements.from_dict({"domains": [{"domain": "alchemy", "level": 9}], "credential_kinds": ["x"]})

    assert set(raised.value.details) == {"domains", "credential_kinds"}


def test_requirements_must_be_an_object(db):
    with pytest.raises(ValidationFailed, match="must be an object"):
        Requirements.from_dict(["physics"])


def test_requirements_read_as_plain_words(db):
    ExamFactory(slug="physics-qualifying-exam", title="Physics qualifying exam")
    requirements = Requirements(
        domains=[("physics", 2), ("law", 1)],
        credential_kinds=["license"],
        exams=["physics-qualifying-exam"],
        countries=["FR", "DE"],
        languages=["en", "fr"],
    )

    assert requirements_describe(requirements) == [
        "A professional-level qualification (or higher) in Physics",
        "A qualification in Law",
        "A verified professional license",
        "A pass in the Physics qualifying exam",
        "Living in France or Germany",
        "Working in English and French",
    ]


# --- the page ----------------------------------------------------------------------------------------


def test_query_string_is_read_as_requirements():
    query = QueryDict(
        "domain=physics:2&domain=quantum-mechanics:1&credential=license&exam=physics-qualifying-exam"
        "&country=FR&country=DE&language=en"
    )

    assert requirements_dict_from_query(query) == {
        "domains": [{"domain": "physics", "level": "2"}, {"domain": "quantum-mechanics", "level": "1"}],
        "credential_kinds": ["license"],
        "exams": ["physics-qualifying-exam"],
        "countries": ["FR", "DE"],
        "languages": ["en"],
    }


def test_picker_rows_pair_each_domain_with_its_level_and_skip_empty_rows():
    query = QueryDict("domain=physics&level=3&domain=&level=2&domain=law&level=1")

    assert requirements_dict_from_query(query)["domains"] == [
        {"domain": "physics", "level": "3"},
        {"domain": "law", "level": "1"},
    ]


def test_page_says_you_are_eligible(client, db):
    expert = _expert()
    _qualify(expert, "physics", Level.EXPERT)
    client.force_login(expert)

    response = client.get("/eligibility/?domain=physics:2&domain=quantum-mechanics:1&country=FR&country=DE&language=en")

    page = response.content.decode()
    assert response.status_code == 200
    assert "You are eligible." in page
    assert "A professional-level qualification (or higher) in Physics" in page


def test_page_lists_the_reasons(client, db):
    expert = _expert()
    _qualify(expert, "quantum-mechanics", Level.FOUNDATIONAL)
    client.force_login(expert)

    response = client.get("/eligibility/?domain=quantum-mechanics&level=2&language=es")

    page = response.content.decode()
    assert "You are not eligible yet" in page
    assert "Requires a professional-level qualification in Quantum mechanics; you hold foundational<" in page
    assert "Requires Spanish<" in page
    assert "You are eligible." not in page


def test_page_explains_requirements_it_cannot_read(client, db):
    client.force_login(_expert())

    response = client.get("/eligibility/?domain=alchemy:2&credential=diploma")

    page = response.content.decode()
    assert "These requirements cannot be checked" in page
    assert "Unknown domain “alchemy”." in page
    assert "Unknown credential kind &#x27;diploma&#x27;" in page
    assert "You are eligible." not in page


def test_page_keeps_the_picked_requirements_in_the_form(client, db):
    client.force_login(_expert())

    page = client.get("/eligibility/?domain=quantum-mechanics:3&credential=license&country=DE").content.decode()

    assert '<option value="quantum-mechanics" selected>' in page
    assert '<option value="3" selected>' in page
    assert 'value="license" id="id_credential_1" checked' in page
    assert 'value="DE" id="id_country_0" checked' in page


def test_page_checks_only_the_signed_in_expert(client, db):
    expert = _expert()
    colleague = _expert(email="colleague@example.com")
    _qualify(colleague, "physics", Level.EXPERT)
    client.force_login(expert)

    page = client.get("/eligibility/?domain=physics:1").content.decode()

    assert "Requires a qualification in Physics<" in page


def test_page_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/eligibility/?domain=physics:1")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_suspended_expert_sees_the_reason_on_the_page(client, db):
    expert = _expert()
    _suspend(expert, reason="Shared a lab's data <b>publicly</b>")
    client.force_login(expert)

    page = client.get("/eligibility/").content.decode()

    assert "Your account is suspended: Shared a lab&#x27;s data &lt;b&gt;publicly&lt;/b&gt;<" in page
