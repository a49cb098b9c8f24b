"""Credentials: an expert submits or withdraws one; platform staff verify or reject it.

Every decision locks the credential's row, is refused once the credential has been decided, and is
recorded as a ``CredentialDecision`` with who and when. The expert is emailed after the commit.
"""

import datetime

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Credential, CredentialDecision, Domain, ExpertProfile, Level, User
from accounts.services.experts import expert_profile_get_or_create
from accounts.services.qualifications import qualification_grant_for_credential
from accounts.uploads import evidence_check
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.notifications import email_send


class RejectionReason(models.TextChoices):
    """Why staff turned a credential down; the label is what the expert reads."""

    ILLEGIBLE = "illegible", "The document is illegible or incomplete"
    MISMATCH_NAME = "mismatch_name", "The name on the document does not match your account"
    UNVERIFIABLE_ISSUER = "unverifiable_issuer", "We could not confirm the issuer or the identifier"
    EXPIRED = "expired", "The credential has expired"
    WRONG_DOMAIN = "wrong_domain", "The credential does not fit the chosen domain"
    NOT_A_CREDENTIAL = "not_a_credential", "The file is not evidence of a credential"
    OTHER = "other", "Another reason (see the note)"


def rejection_reason_label(code: str) -> str:
    """The words for a decision's reason code; unknown codes are shown as they are."""
    try:
        return RejectionReason(code).label
    except ValueError:
        return code


_TEXT_LIMITS = {"title": 200, "issuer": 200, "identifier": 120}
_FIELD_WORDS = {"issued_on": "issue date", "expires_on": "expiry date"}


def _check_claim(
    *,
    kind: str,
    domain: Domain | None,
    title: str,
    issuer: str,
    identifier: str,
    issued_on: datetime.date | None,
    expires_on: datetime.date | None,
    today: datetime.date,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in Credential.Kind.values:
        errors["kind"] = [f"Choose one of: {', '.join(str(label).lower() for label in Credential.Kind.labels)}."]
    if domain is None:
        errors["domain"] = ["Choose the domain this credential is evidence for."]
    for name, value in (("title", title), ("issuer", issuer), ("identifier", identifier)):
        if name != "identifier" and not value:
            errors[name] = ["This field is required."]
        elif len(value) > _TEXT_LIMITS[name]:
            errors[name] = [f"Use at most {_TEXT_LIMITS[name]} characters (it has {len(value)})."]
    if issued_on is not None and issued_on > today:
        errors["issued_on"] = ["The issue date is in the future; check the date on the document."]
    if expires_on is not None:
        if issued_on is not None and expires_on <= issued_on:
            errors["expires_on"] = ["The expiry date must come after the issue date."]
        elif expires_on < today:
            errors["expires_on"] = [
                f"This credential expired on {expires_on:%d %B %Y}; add a current one (a renewal, for instance)."
            ]
    return errors


@transaction.atomic
def credential_submit(
    *,
    expert: User,
    kind: str,
    domain: Domain | None,
    title: str,
    issuer: str,
    identifier: str = "",
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    evidence,
) -> Credential:
    """Store a credential for staff to review, with its evidence under a random private name.

    Whoever adds a credential becomes an expert: their profile is created on first use.
    """
    if ExpertProfile.objects.filter(user=expert, status=ExpertProfile.Status.BANNED).exists():
        raise Forbidden("Your expert account is banned, so it cannot add credentials. Contact support if in doubt.")
    title, issuer, identifier = (title or "").strip(), (issuer or "").strip(), (identifier or "").strip()
    errors = _check_claim(
        kind=kind,
        domain=domain,
        title=title,
        issuer=issuer,
        identifier=identifier,
        issued_on=issued_on,
        expires_on=expires_on,
        today=timezone.localdate(),
    )
    try:
        checked = evidence_check(upload=evidence, field="evidence")
    except ValidationFailed as exc:
        errors.update(exc.details)
    if errors:
        field, reasons = next(iter(errors.items()))
        raise ValidationFailed(
            f"The credential was not saved. {_FIELD_WORDS.get(field, field).capitalize()}: {reasons[0]}",
            details=errors,
        )
    expert_profile_get_or_create(user=expert)
    credential = Credential(
        expert=expert,
        kind=kind,
        domain=domain,
        title=title,
        issuer=issuer,
        identifier=identifier,
        issued_on=issued_on,
        expires_on=expires_on,
        evidence_name=checked.display_name,
        evidence_content_type=checked.content_type,
        evidence_size=checked.size,
        evidence_sha256=checked.sha256,
    )
    credential.evidence.save(checked.display_name, checked.file, save=False)
    try:
        credential.save()
    except Exception:
        credential.evidence.storage.delete(credential.evidence.name)
        raise
    return credential


def _locked(credential: Credential) -> Credential:
    try:
        return (
            Credential.objects.select_for_update(of=("self",)).select_related("expert", "domain").get(pk=credential.pk)
        )
    except Credential.DoesNotExist:
        raise NotFound("Credential not found.") from None


@transaction.atomic
def credential_withdraw(*, credential: Credential, expert: User) -> None:
    """The expert takes back a credential still awaiting review; its file is deleted with it."""
    credential = _locked(credential)
    if credential.expert_id != expert.pk:
        raise NotFound("Credential not found.")
    if credential.status != Credential.Status.SUBMITTED:
        raise Conflict(
            f"“{credential.title}” has already been {credential.get_status_display().lower()}, "
            "so it can no longer be withdrawn."
        )
    storage, name = credential.evidence.storage, credential.evidence.name
    credential.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _check_undecided(credential: Credential, *, decided_by: User) -> None:
    if not decided_by.is_platform_staff:
        raise Forbidden("Only platform staff decide on credentials.")
    if credential.expert_id == decided_by.pk:
        raise Forbidden("You cannot decide on your own credential; ask another member of staff.")
    if credential.status != Credential.Status.SUBMITTED:
        who = f" by {credential.decided_by}" if credential.decided_by_id else ""
        when = f" on {timezone.localtime(credential.decided_at):%d %B %Y at %H:%M}" if credential.decided_at else ""
        raise Conflict(
            f"“{credential.title}” is already {credential.get_status_display().lower()}{who}{when}; "
            "a decided credential is not decided again.",
            code="already_decided",
        )


def _decide(credential: Credential, *, to_status: str, reason: str, note: str, decided_by: User) -> None:
    CredentialDecision.objects.create(
        credential=credential,
        from_status=credential.status,
        to_status=to_status,
        reason=reason,
        note=note,
        decided_by=decided_by,
    )
    credential.status = to_status
    credential.decided_at = timezone.now()
    credential.decided_by = decided_by
    credential.decision_reason = reason
    credential.decision_note = note
    credential.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "decision_note"])


def _links(credential: Credential) -> dict[str, str]:
    return {
        "credential_path": reverse("credential_detail", args=[credential.pk]),
        "credentials_path": reverse("credential_list"),
        "add_path": reverse("credential_add"),
    }


@transaction.atomic
def credential_verify(*, credential: Credential, level: int, decided_by: User, note: str = "") -> Credential:
    """Accept a submitted credential and grant the qualification it earns at ``level``."""
    try:
        level = Level(int(level))
    except (TypeError, ValueError):
        raise ValidationFailed(
            "Choose the level this credential earns.",
            details={"level": [f"Choose one of: {', '.join(str(label) for label in Level.labels)}."]},
        ) from None
    credential = _locked(credential)
    _check_undecided(credential, decided_by=decided_by)
    if credential.expires_on is not None and credential.expires_on < timezone.localdate():
        raise ValidationFailed(
            f"“{credential.title}” expired on {credential.expires_on:%d %B %Y}; "
            "reject it with the reason “expired” instead.",
            details={"level": ["The credential has expired."]},
        )
    _decide(
        credential, to_status=Credential.Status.VERIFIED, reason="", note=(note or "").strip(), decided_by=decided_by
    )
    qualification = qualification_grant_for_credential(credential=credential, level=level, granted_by=decided_by)
    email_send(
        to=credential.expert.email,
        template="email/accounts/credential_verified",
        context={
            "credential": credential,
            "qualification": qualification,
            "level_label": level.label,
            "user": credential.expert,
            **_links(credential),
        },
    )
    return credential


@transaction.atomic
def credential_reject(*, credential: Credential, reason: str, note: str = "", decided_by: User) -> Credential:
    """Turn a submitted credential down, telling the expert why and what to do next."""
    note = (note or "").strip()
    if reason not in RejectionReason.values:
        raise ValidationFailed(
            "Choose a reason for the rejection.",
            details={"reason": [f"Choose one of: {', '.join(RejectionReason.values)}."]},
        )
    if reason == RejectionReason.OTHER and not note:
        raise ValidationFailed(
            "Explain the rejection in the note: the expert reads it.",
            details={"note": ["A note is required when the reason is “other”."]},
        )
    credential = _locked(credential)
    _check_undecided(credential, decided_by=decided_by)
    _decide(credential, to_status=Credential.Status.REJECTED, reason=reason, note=note, decided_by=decided_by)
    email_send(
        to=credential.expert.email,
        template="email/accounts/credential_rejected",
        context={
            "credential": credential,
            "reason_label": rejection_reason_label(reason),
            "note": note,
            "user": credential.expert,
            **_links(credential),
        },
    )
    return credential
