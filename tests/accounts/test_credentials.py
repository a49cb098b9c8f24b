import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Credential, CredentialDecision, Domain, ExpertProfile, Level, Qualification
from accounts.services.credentials import (
    RejectionReason,
    credential_reject,
    credential_submit,
    credential_verify,
    credential_withdraw,
)
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.concurrency import run_concurrently
from tests.factories import MINIMAL_PDF, CredentialFactory, ExpertProfileFactory, MembershipFactory, UserFactory

TODAY = timezone.localdate()


def _stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _submit(expert, **overrides) -> Credential:
    fields = {
        "expert": expert,
        "kind": Credential.Kind.LICENSE,
        "domain": Domain.objects.get(slug="cardiology"),
        "title": "Board certification in cardiology",
        "issuer": "American Board of Internal Medicine",
        "identifier": "ABIM-123456",
        "issued_on": datetime.date(2019, 6, 1),
        "expires_on": TODAY + datetime.timedelta(days=400),
        "evidence": SimpleUploadedFile("certificate.pdf", MINIMAL_PDF),
    }
    return credential_submit(**{**fields, **overrides})


@pytest.fixture
def staff(db):
    return UserFactory(email="reviewer@assay.example", is_staff=True, is_superuser=True)


@pytest.fixture
def submitted(expert):
    return _submit(expert)


# --- submitting ----------------------------------------------------------------------------------


def test_submitting_stores_the_claim_for_review_and_makes_the_user_an_expert(expert):
    assert not ExpertProfile.objects.filter(user=expert).exists()

    credential = _submit(expert)

    credential.refresh_from_db()
    assert credential.status == Credential.Status.SUBMITTED
    assert (credential.kind, credential.domain.slug, credential.identifier) == ("license", "cardiology", "ABIM-123456")
    assert credential.evidence_content_type == "application/pdf"
    assert credential.evidence_size == len(MINIMAL_PDF)
    assert credential.decided_at is None and credential.decided_by is None
    assert ExpertProfile.objects.filter(user=expert).exists()
    assert len(_stored_files()) == 1


@pytest.mark.parametrize(
    ("dates", "field", "reason"),
    [
        ({"issued_on": datetime.date(2020, 1, 1), "expires_on": datetime.date(2019, 1, 1)}, "expires_on", "after"),
        ({"issued_on": datetime.date(2020, 1, 1), "expires_on": datetime.date(2020, 1, 1)}, "expires_on", "after"),
        ({"issued_on": None, "expires_on": TODAY - datetime.timedelta(days=1)}, "expires_on", "expired on"),
        ({"issued_on": TODAY + datetime.timedelta(days=3), "expires_on": None}, "issued_on", "future"),
    ],
    ids=["expiry-before-issue", "expiry-on-issue", "already-expired", "issued-in-future"],
)
def test_impossible_dates_are_refused_and_nothing_is_stored(expert, dates, field, reason):
    with pytest.raises(ValidationFailed) as refused:
        _submit(expert, **dates)

    assert reason in refused.value.details[field][0]
    assert not Credential.objects.exists()
    assert not ExpertProfile.objects.filter(user=expert).exists()
    assert _stored_files() == []


def test_missing_fields_are_all_reported_at_once(expert):
    with pytest.raises(ValidationFailed) as refused:
        _submit(expert, title="  ", issuer="", kind="diploma", domain=None)

    assert set(refused.value.details) == {"title", "issuer", "kind", "domain"}
    assert not Credential.objects.exists()


def test_a_banned_expert_cannot_add_a_credential(expert):
    ExpertProfileFactory(user=expert, status=ExpertProfile.Status.BANNED)

    with pytest.raises(Forbidden, match="banned"):
        _submit(expert)

    assert not Credential.objects.exists()
    assert _stored_files() == []


# --- withdrawing ---------------------------------------------------------------------------------


def test_withdrawing_removes_the_credential_and_its_file(expert, submitted, django_capture_on_commit_callbacks):
    assert len(_stored_files()) == 1

    with django_capture_on_commit_callbacks(execute=True):
        credential_withdraw(credential=submitted, expert=expert)

    assert not Credential.objects.exists()
    assert _stored_files() == []


def test_a_decided_credential_cannot_be_withdrawn(expert, submitted, staff):
    credential_reject(credential=submitted, reason=RejectionReason.ILLEGIBLE, note="", decided_by=staff)

    with pytest.raises(Conflict, match="can no longer be withdrawn"):
        credential_withdraw(credential=submitted, expert=expert)

    assert Credential.objects.filter(pk=submitted.pk, status=Credential.Status.REJECTED).exists()
    assert len(_stored_files()) == 1


def test_nobody_withdraws_someone_elses_credential(submitted):
    with pytest.raises(NotFound):
        credential_withdraw(credential=submitted, expert=UserFactory())

    assert Credential.objects.filter(pk=submitted.pk).exists()
    assert len(_stored_files()) == 1


# --- verifying -----------------------------------------------------------------------------------


def test_verifying_grants_a_qualification_until_the_credential_expires(
    client, expert, submitted, staff, django_capture_on_commit_callbacks
):
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        credential_verify(credential=submitted, level=Level.EXPERT, decided_by=staff, note="Checked with the board.")

    submitted.refresh_from_db()
    assert submitted.status == Credential.Status.VERIFIED
    assert submitted.decided_by == staff and submitted.decided_at >= before
    qualification = Qualification.objects.get(credential=submitted)
    assert (qualification.expert, qualification.domain.slug, qualification.level) == (expert, "cardiology", 3)
    assert qualification.source == Qualification.Source.CREDENTIAL
    assert qualification.valid_until == submitted.expires_on
    assert qualification.granted_by == staff
    decision = CredentialDecision.objects.get(credential=submitted)
    assert (decision.from_status, decision.to_status, decision.decided_by) == ("submitted", "verified", staff)
    assert decision.note == "Checked with the board."
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [expert.email]
    assert message.subject == "[Assay] Your credential “Board certification in cardiology” is verified"
    assert "Medicine / Cardiology at the Expert level" in message.body
    assert f"{settings.SITE_URL}/credentials/" in message.body
    assert "Checked with the board." in message.alternatives[0][0]

    client.force_login(expert)
    page = client.get(reverse("credential_list")).content.decode()
    assert "Your qualifications" in page and "Medicine / Cardiology" in page
    assert submitted.expires_on.strftime("%-d %b %Y") in page


def test_an_expired_credential_is_not_verified(expert, staff):
    credential = CredentialFactory(expert=expert, expires_on=TODAY - datetime.timedelta(days=2))

    with pytest.raises(ValidationFailed, match="expired"):
        credential_verify(credential=credential, level=Level.PROFESSIONAL, decided_by=staff)

    credential.refresh_from_db()
    assert credential.status == Credential.Status.SUBMITTED
    assert not Qualification.objects.exists()


@pytest.mark.parametrize("level", [0, 4, "", None])
def test_verifying_needs_a_known_level(submitted, staff, level):
    with pytest.raises(ValidationFailed) as refused:
        credential_verify(credential=submitted, level=level, decided_by=staff)

    assert "level" in refused.value.details
    assert not Qualification.objects.exists()
    assert not CredentialDecision.objects.exists()


def test_only_platform_staff_decide_and_never_on_their_own_credential(submitted, expert):
    lab_owner = MembershipFactory().user

    with pytest.raises(Forbidden):
        credential_verify(credential=submitted, level=Level.EXPERT, decided_by=lab_owner)
    expert.is_staff = True
    expert.save()
    with pytest.raises(Forbidden, match="your own"):
        credential_verify(credential=submitted, level=Level.EXPERT, decided_by=expert)

    submitted.refresh_from_db()
    assert submitted.status == Credential.Status.SUBMITTED
    assert not CredentialDecision.objects.exists()


# --- rejecting -----------------------------------------------------------------------------------


def test_rejecting_records_the_reason_and_tells_the_expert(
    client, expert, submitted, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        credential_reject(
            credential=submitted,
            reason=RejectionReason.MISMATCH_NAME,
            note="The certificate is in another name; send the name-change record too.",
            decided_by=staff,
        )

    submitted.refresh_from_db()
    assert submitted.status == Credential.Status.REJECTED
    assert (submitted.decision_reason, submitted.decided_by) == ("mismatch_name", staff)
    decision = CredentialDecision.objects.get(credential=submitted)
    assert (decision.to_status, decision.reason, decision.decided_by) == ("rejected", "mismatch_name", staff)
    assert decision.decided_at is not None
    assert not Qualification.objects.exists()
    (message,) = mail.outbox
    assert message.subject == "[Assay] We could not verify your credential “Board certification in cardiology”"
    assert "The name on the document does not match your account" in message.body
    assert "send the name-change record too" in message.body
    assert f"{settings.SITE_URL}/credentials/add/" in message.body

    client.force_login(expert)
    listing = client.get(reverse("credential_list")).content.decode()
    detail = client.get(reverse("credential_detail", args=[submitted.pk])).content.decode()
    for page in (listing, detail):
        assert "The name on the document does not match your account" in page
        assert "send the name-change record too" in page


def test_the_reason_other_needs_a_note(submitted, staff):
    with pytest.raises(ValidationFailed) as refused:
        credential_reject(credential=submitted, reason=RejectionReason.OTHER, note="  ", decided_by=staff)

    assert "note" in refused.value.details
    submitted.refresh_from_db()
    assert submitted.status == Credential.Status.SUBMITTED
    assert not CredentialDecision.objects.exists()


def test_an_unknown_reason_is_refused(submitted, staff):
    with pytest.raises(ValidationFailed, match="reason"):
        credential_reject(credential=submitted, reason="looks_fishy", note="", decided_by=staff)

    assert not CredentialDecision.objects.exists()


# --- deciding once -------------------------------------------------------------------------------


def test_a_decided_credential_is_not_decided_again(submitted, staff, django_capture_on_commit_callbacks):
    credential_verify(credential=submitted, level=Level.PROFESSIONAL, decided_by=staff)
    other_staff = UserFactory(is_staff=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Conflict, match=r"already verified by reviewer@assay\.example"):
            credential_reject(credential=submitted, reason=RejectionReason.ILLEGIBLE, note="", decided_by=other_staff)
        with pytest.raises(Conflict, match="already verified"):
            credential_verify(credential=submitted, level=Level.EXPERT, decided_by=other_staff)

    submitted.refresh_from_db()
    assert (submitted.status, submitted.decided_by) == (Credential.Status.VERIFIED, staff)
    assert CredentialDecision.objects.count() == 1
    assert list(Qualification.objects.values_list("level", flat=True)) == [Level.PROFESSIONAL]
    assert callbacks == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded domains for later tests
def test_concurrent_verifications_grant_one_qualification():
    expert = UserFactory(email="concurrent@example.com")
    credential = _submit(expert)
    reviewers = [UserFactory(is_staff=True) for _ in range(4)]

    def verify(reviewer):
        try:
            credential_verify(credential=credential, level=Level.EXPERT, decided_by=reviewer)
        except Conflict:
            return "conflict"
        return "verified"

    outcome = run_concurrently(verify, [(reviewer,) for reviewer in reviewers])

    assert outcome.errors == []
    assert sorted(outcome.results) == ["conflict", "conflict", "conflict", "verified"]
    assert Qualification.objects.filter(credential=credential).count() == 1
    assert CredentialDecision.objects.filter(credential=credential).count() == 1


# --- the expert's pages --------------------------------------------------------------------------


def test_credential_pages_need_a_login(client, submitted):
    for url in (reverse("credential_list"), reverse("credential_add"), reverse("credential_detail", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_add_form_groups_sub_domains_under_their_domain(client, expert):
    client.force_login(expert)

    page = client.get(reverse("credential_add")).content.decode()

    assert 'enctype="multipart/form-data"' in page
    assert '<optgroup label="Physics">' in page
    physics = page[page.index('<optgroup label="Physics">') :]
    physics = physics[: physics.index("</optgroup>")]
    assert "Physics (general)" in physics and "Quantum mechanics" in physics and "Cardiology" not in physics


def test_adding_a_credential_through_the_form(client, expert):
    client.force_login(expert)

    response = client.post(
        reverse("credential_add"),
        {
            "kind": "degree",
            "domain": Domain.objects.get(slug="quantum-mechanics").pk,
            "title": "PhD in Theoretical Physics",
            "issuer": "University of Somewhere",
            "identifier": "",
            "issued_on": "2015-09-30",
            "expires_on": "",
            "evidence": SimpleUploadedFile("diploma.pdf", MINIMAL_PDF, content_type="application/pdf"),
        },
    )

    credential = Credential.objects.get(expert=expert)
    assert response.status_code == 302 and response["Location"] == reverse("credential_detail", args=[credential.pk])
    assert credential.domain.slug == "quantum-mechanics" and credential.issued_on == datetime.date(2015, 9, 30)
    assert ExpertProfile.objects.filter(user=expert).exists()


def test_the_add_form_puts_date_errors_on_the_date_field(client, expert):
    client.force_login(expert)

    response = client.post(
        reverse("credential_add"),
        {
            "kind": "license",
            "domain": Domain.objects.get(slug="law").pk,
            "title": "Bar admission",
            "issuer": "State Bar",
            "issued_on": "2020-01-01",
            "expires_on": "2019-01-01",
            "evidence": SimpleUploadedFile("bar.pdf", MINIMAL_PDF),
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"] == ["The expiry date must come after the issue date."]
    assert not Credential.objects.exists()
    assert _stored_files() == []


def test_another_experts_credential_is_not_found(client, submitted):
    client.force_login(UserFactory())

    detail = client.get(reverse("credential_detail", args=[submitted.pk]))
    withdraw = client.post(reverse("credential_withdraw", args=[submitted.pk]))

    assert detail.status_code == withdraw.status_code == 404
    assert Credential.objects.filter(pk=submitted.pk).exists()
    assert client.get(reverse("credential_list")).content.decode().count("Board certification") == 0


def test_the_expert_withdraws_from_the_detail_page(client, expert, submitted, django_capture_on_commit_callbacks):
    client.force_login(expert)
    assert client.get(reverse("credential_withdraw", args=[submitted.pk])).status_code == 405

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credential_withdraw", args=[submitted.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("credential_list")
    assert not Credential.objects.exists()
    assert _stored_files() == []


def test_the_detail_page_shows_the_decision_history(client, expert, submitted, staff):
    credential_reject(credential=submitted, reason=RejectionReason.ILLEGIBLE, note="Too blurry.", decided_by=staff)
    client.force_login(expert)

    page = client.get(reverse("credential_detail", args=[submitted.pk])).content.decode()

    assert "submitted for review" in page
    assert "rejected. The document is illegible or incomplete." in page
    assert "Too blurry." in page
    assert "Withdraw" not in page


def test_expert_pages_escape_what_people_typed(client, expert):
    credential = _submit(expert, title="<script>alert(1)</script>")
    client.force_login(expert)

    for url in (reverse("credential_list"), reverse("credential_detail", args=[credential.pk])):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- the evidence ------------------------------------------------------------------------------------


def _assert_private_download(response, *, disposition: str = "attachment") -> None:
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(disposition)
    assert 'filename="certificate.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_the_owner_downloads_their_evidence(client, expert, submitted):
    client.force_login(expert)

    response = client.get(reverse("credential_evidence", args=[submitted.pk]))

    _assert_private_download(response)


@pytest.mark.parametrize("flags", [{"is_superuser": True, "is_staff": True}, {"is_staff": True}])
def test_platform_staff_download_and_preview_evidence(client, submitted, flags):
    client.force_login(UserFactory(**flags))

    download = client.get(reverse("credential_evidence", args=[submitted.pk]))
    preview = client.get(reverse("credential_evidence", args=[submitted.pk]) + "?inline=1")

    _assert_private_download(download)
    _assert_private_download(preview, disposition="inline")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_another_expert_cannot_download_evidence(client, submitted):
    client.force_login(UserFactory())

    response = client.get(reverse("credential_evidence", args=[submitted.pk]))

    assert response.status_code == 404
    assert response.content == client.get(reverse("credential_evidence", args=[999_999])).content


@pytest.mark.parametrize("role", ["owner", "admin", "reviewer", "viewer"])
def test_lab_staff_cannot_download_evidence(client, submitted, role):
    member = MembershipFactory(role=role)
    client.force_login(member.user)

    response = client.get(reverse("credential_evidence", args=[submitted.pk]) + "?inline=1")

    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_for_evidence(client, submitted):
    response = client.get(reverse("credential_evidence", args=[submitted.pk]))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
