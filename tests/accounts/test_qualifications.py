import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import (
    Credential,
    CredentialDecision,
    Domain,
    ExamAttempt,
    ExpertDomain,
    ExpertProfile,
    Level,
    Qualification,
)
from accounts.services import qualifications
from accounts.services.experts import expert_profile_get_or_create
from marketplace.errors import ValidationFailed
from tests.concurrency import run_concurrently
from tests.factories import (
    CredentialFactory,
    DomainFactory,
    ExamFactory,
    ExpertProfileFactory,
    QualificationFactory,
    UserFactory,
)

TODAY = datetime.date(2026, 11, 26)


def _verified_credential(**kwargs) -> Credential:
    return CredentialFactory(status=Credential.Status.VERIFIED, **kwargs)


def test_verified_credential_grants_a_qualification_valid_until_it_expires(db):
    credential = _verified_credential(expires_on=datetime.date(2028, 1, 31))

    qualification = qualifications.qualification_grant_for_credential(
        credential=credential, level=Level.EXPERT, granted_by=None
    )

    assert (qualification.source, qualification.level) == (Qualification.Source.CREDENTIAL, Level.EXPERT)
    assert qualification.valid_until == datetime.date(2028, 1, 31)
    assert qualification.domain_id == credential.domain_id


def test_granting_twice_for_one_credential_grants_once(db):
    credential = _verified_credential()

    first = qualifications.qualification_grant_for_credential(credential=credential, level=2, granted_by=None)
    second = qualifications.qualification_grant_for_credential(credential=credential, level=2, granted_by=None)

    assert first == second
    assert Qualification.objects.filter(credential=credential).count() == 1


def test_an_unverified_credential_earns_nothing(db):
    credential = CredentialFactory(status=Credential.Status.SUBMITTED)

    with pytest.raises(ValidationFailed, match="verified credential"):
        qualifications.qualification_grant_for_credential(credential=credential, level=2, granted_by=None)

    assert not Qualification.objects.exists()


def test_passed_exam_grants_its_level_for_its_validity(db):
    exam = ExamFactory(level_awarded=Level.PROFESSIONAL, qualification_valid_days=730)
    now = timezone.now()
    attempt = ExamAttempt.objects.create(
        expert=UserFactory(),
        exam=exam,
        status=ExamAttempt.Status.PASSED,
        question_ids=[],
        started_at=now,
        deadline_at=now,
    )

    qualification = qualifications.qualification_grant_for_exam(attempt=attempt)

    assert qualification.source == Qualification.Source.EXAM
    assert qualification.valid_until == timezone.localdate() + datetime.timedelta(days=730)


def test_staff_cannot_grant_a_qualification_that_ends_in_the_past(db):
    staff = UserFactory(is_staff=True)

    with pytest.raises(ValidationFailed, match="past"):
        qualifications.qualification_grant_by_staff(
            expert=UserFactory(),
            domain=DomainFactory(),
            level=1,
            granted_by=staff,
            valid_until=timezone.localdate() - datetime.timedelta(days=1),
        )

    assert not Qualification.objects.exists()


def test_current_means_active_and_not_past_its_date(db):
    expert = UserFactory()
    physics = Domain.objects.get(slug="physics")
    live = QualificationFactory(expert=expert, domain=physics, valid_until=TODAY)
    QualificationFactory(expert=expert, domain=physics, valid_until=TODAY - datetime.timedelta(days=1))
    QualificationFactory(expert=expert, domain=physics, status=Qualification.Status.REVOKED)

    assert list(Qualification.objects.current(today=TODAY)) == [live]


def test_the_first_qualification_activates_an_expert_who_finished_onboarding(db):
    profile = ExpertProfileFactory(ready=True, status=ExpertProfile.Status.ONBOARDING)
    ExpertDomain.objects.create(expert=profile.user, domain=Domain.objects.get(slug="physics"), years_experience=8)
    assert profile.status == ExpertProfile.Status.ONBOARDING

    qualifications.qualification_grant_by_staff(
        expert=profile.user, domain=Domain.objects.get(slug="physics"), level=2, granted_by=UserFactory(is_staff=True)
    )

    profile.refresh_from_db()
    assert profile.status == ExpertProfile.Status.ACTIVE


def test_pseudonyms_are_unique_and_stable(db):
    user = UserFactory()

    first = expert_profile_get_or_create(user=user)
    again = expert_profile_get_or_create(user=user)

    assert first.pk == again.pk and first.pseudonym == again.pseudonym
    assert first.pseudonym.startswith("Expert-") and len(first.pseudonym) == 13


def test_expiry_sweep_expires_credentials_and_their_qualifications_and_tells_the_expert(
    db, django_capture_on_commit_callbacks
):
    credential = _verified_credential(expires_on=TODAY - datetime.timedelta(days=1))
    granted = qualifications.qualification_grant_for_credential(credential=credential, level=2, granted_by=None)
    staff_grant = QualificationFactory(expert=credential.expert, valid_until=TODAY - datetime.timedelta(days=2))
    keeps = QualificationFactory(expert=credential.expert, valid_until=TODAY)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = qualifications.expiry_sweep(today=TODAY)

    credential.refresh_from_db()
    granted.refresh_from_db()
    staff_grant.refresh_from_db()
    keeps.refresh_from_db()
    assert result == {"credentials": 1, "qualifications": 1}
    assert credential.status == Credential.Status.EXPIRED
    assert granted.status == staff_grant.status == Qualification.Status.EXPIRED
    assert keeps.status == Qualification.Status.ACTIVE
    decision = CredentialDecision.objects.get(credential=credential)
    assert (decision.from_status, decision.to_status, decision.decided_by) == ("verified", "expired", None)
    assert sorted(m.subject for m in mail.outbox) == [
        "[Assay] Your Physics qualification has expired",
        "[Assay] Your credential “PhD in Theoretical Physics” has expired",
    ]
    assert all(m.alternatives and m.alternatives[0][1] == "text/html" for m in mail.outbox)


def test_expiry_sweep_twice_changes_nothing_more(db, django_capture_on_commit_callbacks):
    _verified_credential(expires_on=TODAY - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        qualifications.expiry_sweep(today=TODAY)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = qualifications.expiry_sweep(today=TODAY)

    assert again == {"credentials": 0, "qualifications": 0}
    assert mail.outbox == []
    assert CredentialDecision.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_expiry_sweeps_expire_each_row_once():
    for _ in range(30):
        credential = _verified_credential(expires_on=TODAY - datetime.timedelta(days=3))
        qualifications.qualification_grant_for_credential(credential=credential, level=1, granted_by=None)

    outcome = run_concurrently(lambda: qualifications.expiry_sweep(today=TODAY), 4)

    assert outcome.errors == []
    assert sum(r["credentials"] for r in outcome.results) == 30
    assert CredentialDecision.objects.count() == 30
    assert Credential.objects.filter(status=Credential.Status.EXPIRED).count() == 30
    assert Qualification.objects.filter(status=Qualification.Status.EXPIRED).count() == 30
