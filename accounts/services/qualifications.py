"""Qualifications: granted from verified credentials, passed exams or by staff; expired by a sweep."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Credential, CredentialDecision, Domain, ExamAttempt, Level, Qualification, User
from accounts.services.experts import expert_profile_activate_if_ready
from marketplace.errors import ValidationFailed
from marketplace.notifications import email_send


def _check_level(level: int) -> None:
    if level not in Level.values:
        raise ValidationFailed(f"Unknown level {level}.", details={"level": [f"Choose one of {Level.values}."]})


@transaction.atomic
def qualification_grant_for_credential(*, credential: Credential, level: int, granted_by: User | None) -> Qualification:
    """The qualification a verified credential earns; valid until the credential expires."""
    _check_level(level)
    if credential.status != Credential.Status.VERIFIED:
        raise ValidationFailed("Only a verified credential earns a qualification.")
    existing = Qualification.objects.filter(credential=credential, status=Qualification.Status.ACTIVE).first()
    if existing is not None:
        return existing  # verifying twice grants once
    qualification = Qualification.objects.create(
        expert_id=credential.expert_id,
        domain_id=credential.domain_id,
        level=level,
        source=Qualification.Source.CREDENTIAL,
        credential=credential,
        granted_by=granted_by,
        valid_until=credential.expires_on,
    )
    expert_profile_activate_if_ready(user=credential.expert)
    return qualification


@transaction.atomic
def qualification_grant_for_exam(*, attempt: ExamAttempt) -> Qualification:
    if attempt.status != ExamAttempt.Status.PASSED:
        raise ValidationFailed("Only a passed exam earns a qualification.")
    existing = Qualification.objects.filter(exam_attempt=attempt, status=Qualification.Status.ACTIVE).first()
    if existing is not None:
        return existing
    exam = attempt.exam
    valid_days = exam.qualification_valid_days
    qualification = Qualification.objects.create(
        expert_id=attempt.expert_id,
        domain_id=exam.domain_id,
        level=exam.level_awarded,
        source=Qualification.Source.EXAM,
        exam_attempt=attempt,
        valid_until=timezone.localdate() + datetime.timedelta(days=valid_days) if valid_days else None,
    )
    expert_profile_activate_if_ready(user=attempt.expert)
    return qualification


@transaction.atomic
def qualification_grant_by_staff(
    *, expert: User, domain: Domain, level: int, granted_by: User, valid_until: datetime.date | None = None
) -> Qualification:
    _check_level(level)
    if valid_until is not None and valid_until < timezone.localdate():
        raise ValidationFailed("A qualification cannot end in the past.", details={"valid_until": ["In the past."]})
    qualification = Qualification.objects.create(
        expert=expert,
        domain=domain,
        level=level,
        source=Qualification.Source.STAFF,
        granted_by=granted_by,
        valid_until=valid_until,
    )
    expert_profile_activate_if_ready(user=expert)
    return qualification


@transaction.atomic
def qualification_revoke(*, qualification: Qualification, reason: str) -> Qualification:
    qualification = Qualification.objects.select_for_update().get(pk=qualification.pk)
    if qualification.status != Qualification.Status.ACTIVE:
        return qualification
    qualification.status = Qualification.Status.REVOKED
    qualification.status_reason = reason
    qualification.status_changed_at = timezone.now()
    qualification.save(update_fields=["status", "status_reason", "status_changed_at"])
    return qualification


def expiry_sweep(*, today: datetime.date | None = None) -> dict[str, int]:
    """Expire credentials and qualifications past their date and tell each expert once.

    Safe to run twice, or twice at once: rows are claimed with ``SKIP LOCKED`` and changed only
    while still active, so each expiry happens, and is emailed, exactly once.
    """
    today = today or timezone.localdate()
    expired_credentials = expired_qualifications = 0
    while True:
        with transaction.atomic():
            batch = list(
                Credential.objects.select_for_update(skip_locked=True)
                .filter(status=Credential.Status.VERIFIED, expires_on__lt=today)
                .select_related("expert")[:200]
            )
            for credential in batch:
                _credential_expire(credential)
            expired_credentials += len(batch)
        if len(batch) < 200:
            break
    while True:
        with transaction.atomic():
            batch = list(
                Qualification.objects.select_for_update(skip_locked=True)
                .filter(status=Qualification.Status.ACTIVE, valid_until__lt=today)
                .select_related("expert", "domain")[:200]
            )
            for qualification in batch:
                _qualification_expire(qualification, reason="Its validity date has passed.")
            expired_qualifications += len(batch)
        if len(batch) < 200:
            break
    return {"credentials": expired_credentials, "qualifications": expired_qualifications}


def _credential_expire(credential: Credential) -> None:
    CredentialDecision.objects.create(
        credential=credential,
        from_status=credential.status,
        to_status=Credential.Status.EXPIRED,
        reason="expired",
        note=f"Expired on {credential.expires_on:%d %B %Y}.",
    )
    credential.status = Credential.Status.EXPIRED
    credential.save(update_fields=["status"])
    for qualification in Qualification.objects.select_for_update().filter(
        credential=credential, status=Qualification.Status.ACTIVE
    ):
        _qualification_expire(qualification, reason="The credential it rests on has expired.", notify=False)
    email_send(
        to=credential.expert.email,
        template="email/accounts/credential_expired",
        context={"credential": credential, "user": credential.expert},
    )


def _qualification_expire(qualification: Qualification, *, reason: str, notify: bool = True) -> None:
    qualification.status = Qualification.Status.EXPIRED
    qualification.status_reason = reason
    qualification.status_changed_at = timezone.now()
    qualification.save(update_fields=["status", "status_reason", "status_changed_at"])
    if notify:
        email_send(
            to=qualification.expert.email,
            template="email/accounts/qualification_expired",
            context={"qualification": qualification, "user": qualification.expert},
        )
