import datetime

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Credential, CredentialDecision, Domain, Level, Qualification
from accounts.services.credentials import RejectionReason, credential_reject, credential_verify
from tests.factories import (
    CredentialFactory,
    ExpertProfileFactory,
    MembershipFactory,
    QualificationFactory,
    UserFactory,
)

CHANGELIST = "/admin/accounts/credential/"


def _aged(days: float, **kwargs) -> Credential:
    credential = CredentialFactory(**kwargs)
    Credential.objects.filter(pk=credential.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=days))
    credential.refresh_from_db()
    return credential


def _listed(response) -> list[int]:
    return [c.pk for c in response.context["cl"].result_list]


def _change_url(credential) -> str:
    return reverse("admin:accounts_credential_change", args=[credential.pk])


def _decide_url(credential) -> str:
    return reverse("admin:accounts_credential_decide", args=[credential.pk])


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


# --- the queue -------------------------------------------------------------------------------------


def test_the_queue_opens_on_credentials_awaiting_review_oldest_first(staff_client, superuser):
    newer = _aged(1)
    older = _aged(9)
    decided = _aged(20)
    credential_reject(credential=decided, reason=RejectionReason.ILLEGIBLE, note="", decided_by=superuser)

    default = staff_client.get(CHANGELIST)
    everything = staff_client.get(CHANGELIST, {"status": "all"})
    rejected = staff_client.get(CHANGELIST, {"status": "rejected"})

    assert default.status_code == 200
    assert _listed(default) == [older.pk, newer.pk]
    assert _listed(everything) == [decided.pk, older.pk, newer.pk]
    assert _listed(rejected) == [decided.pk]
    page = default.content.decode()
    assert "?status=all" in page and "Awaiting review" in page


def test_the_queue_shows_who_what_and_how_long(staff_client):
    profile = ExpertProfileFactory(pseudonym="Expert-QUEUE1")
    _aged(3, expert=profile.user, title="MD, University of Lyon")

    page = staff_client.get(CHANGELIST).content.decode()

    for shown in (profile.user.email, "Expert-QUEUE1", "Degree", "Physics", "MD, University of Lyon", "3\xa0days"):
        assert shown in page


def test_the_queue_filters_by_age(staff_client):
    fresh, week_old, month_old = _aged(0), _aged(8), _aged(40)

    def listed(age):
        return set(_listed(staff_client.get(CHANGELIST, {"age": age})))

    assert listed("today") == {fresh.pk}
    assert listed("week") == {fresh.pk}
    assert listed("over_week") == {week_old.pk, month_old.pk}
    assert listed("over_30") == {month_old.pk}


def test_a_domain_filter_takes_in_its_sub_domains(staff_client):
    physics = CredentialFactory(domain=Domain.objects.get(slug="physics"))
    quantum = CredentialFactory(domain=Domain.objects.get(slug="quantum-mechanics"))
    law = CredentialFactory(domain=Domain.objects.get(slug="law"))

    assert set(_listed(staff_client.get(CHANGELIST, {"domain": "physics"}))) == {physics.pk, quantum.pk}
    assert _listed(staff_client.get(CHANGELIST, {"domain": "quantum-mechanics"})) == [quantum.pk]
    assert _listed(staff_client.get(CHANGELIST, {"domain": "law"})) == [law.pk]
    assert _listed(staff_client.get(CHANGELIST, {"kind": "license"})) == []


def test_the_queue_searches_pseudonyms_issuers_and_identifiers(staff_client):
    profile = ExpertProfileFactory(pseudonym="Expert-FIND01")
    mine = CredentialFactory(expert=profile.user, issuer="Sorbonne", identifier="LIC-778")
    CredentialFactory()

    for term in ("FIND01", "sorbonne", "LIC-778", profile.user.email):
        assert _listed(staff_client.get(CHANGELIST, {"q": term})) == [mine.pk]


# --- one credential --------------------------------------------------------------------------------


def test_the_change_page_shows_the_evidence_history_and_decision_form(staff_client, superuser):
    credential = CredentialFactory()
    decided = CredentialFactory()
    credential_reject(
        credential=decided, reason=RejectionReason.WRONG_DOMAIN, note="Law, not physics.", decided_by=superuser
    )

    page = staff_client.get(_change_url(credential)).content.decode()
    decided_page = staff_client.get(_change_url(decided)).content.decode()

    evidence = reverse("credential_evidence", args=[credential.pk])
    assert f'<iframe src="{evidence}?inline=1"' in page
    assert f'href="{evidence}"' in page
    assert f'action="{_decide_url(credential)}"' in page
    assert 'name="_save"' not in page
    assert "decision history" in decided_page.lower()
    assert "The credential does not fit the chosen domain" in decided_page
    assert "Law, not physics." in decided_page
    assert f'action="{_decide_url(decided)}"' not in decided_page


def test_approving_from_the_change_page(staff_client, superuser, django_capture_on_commit_callbacks):
    credential = CredentialFactory(expires_on=timezone.localdate() + datetime.timedelta(days=300))
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            _decide_url(credential), {"decision": "approve", "level": Level.EXPERT, "note": ""}
        )

    assert response.status_code == 302 and response["Location"] == CHANGELIST
    credential.refresh_from_db()
    assert (credential.status, credential.decided_by) == (Credential.Status.VERIFIED, superuser)
    assert credential.decided_at >= before
    decision = CredentialDecision.objects.get(credential=credential)
    assert (decision.decided_by, decision.to_status) == (superuser, "verified")
    qualification = Qualification.objects.get(credential=credential)
    assert (qualification.level, qualification.valid_until) == (Level.EXPERT, credential.expires_on)
    assert [m.to for m in mail.outbox] == [[credential.expert.email]]


def test_rejecting_from_the_change_page(staff_client, superuser, django_capture_on_commit_callbacks):
    credential = CredentialFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            _decide_url(credential), {"decision": "reject", "reason": "unverifiable_issuer", "note": "No such board."}
        )

    assert response.status_code == 302
    credential.refresh_from_db()
    assert (credential.status, credential.decision_reason, credential.decided_by) == (
        Credential.Status.REJECTED,
        "unverifiable_issuer",
        superuser,
    )
    assert CredentialDecision.objects.get(credential=credential).decided_by == superuser
    (message,) = mail.outbox
    assert "We could not confirm the issuer or the identifier" in message.body and "No such board." in message.body


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decision": "reject", "reason": "other", "note": ""}, "note"),
        ({"decision": "reject", "reason": "", "note": "x"}, "reason"),
        ({"decision": "approve", "level": ""}, "level"),
    ],
)
def test_an_incomplete_decision_is_shown_again_and_changes_nothing(
    staff_client, data, field, django_capture_on_commit_callbacks
):
    credential = CredentialFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(_decide_url(credential), data)

    assert response.status_code == 400
    assert field in response.context["decision_form"].errors
    credential.refresh_from_db()
    assert credential.status == Credential.Status.SUBMITTED
    assert not CredentialDecision.objects.exists()
    assert mail.outbox == []


def test_deciding_twice_from_stale_pages_is_refused(staff_client, superuser, django_capture_on_commit_callbacks):
    credential = CredentialFactory()
    credential_verify(credential=credential, level=Level.PROFESSIONAL, decided_by=UserFactory(is_staff=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            _decide_url(credential), {"decision": "reject", "reason": "illegible"}, follow=True
        )

    assert response.redirect_chain == [(_change_url(credential), 302)]
    assert "already verified" in response.content.decode()
    credential.refresh_from_db()
    assert credential.status == Credential.Status.VERIFIED
    assert CredentialDecision.objects.count() == 1
    assert mail.outbox == []


def test_the_claim_is_not_edited_through_the_admin(staff_client):
    credential = CredentialFactory(title="Original title")

    response = staff_client.post(_change_url(credential), {"title": "Edited"})

    assert response.status_code == 405
    credential.refresh_from_db()
    assert credential.title == "Original title"
    assert staff_client.get(reverse("admin:accounts_credential_add")).status_code == 403


# --- bulk decisions ------------------------------------------------------------------------------


def _action(client, action: str, credentials, *, query: str = "", **data):
    return client.post(
        CHANGELIST + query,
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [c.pk for c in credentials], **data},
    )


def test_bulk_approval_asks_for_a_level_then_approves_and_skips_the_decided(
    staff_client, superuser, django_capture_on_commit_callbacks
):
    waiting = [CredentialFactory(), CredentialFactory()]
    decided = CredentialFactory(title="Already rejected")
    credential_reject(credential=decided, reason=RejectionReason.ILLEGIBLE, note="", decided_by=superuser)

    confirm = _action(staff_client, "approve_selected", [*waiting, decided], query="?status=all", index=0)
    assert confirm.status_code == 200
    assert 'name="level"' in confirm.content.decode() and "will be skipped" in confirm.content.decode()
    assert not Qualification.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(
            staff_client,
            "approve_selected",
            [*waiting, decided],
            query="?status=all",
            apply="1",
            level=Level.FOUNDATIONAL,
        )

    assert response.status_code == 302
    for credential in waiting:
        credential.refresh_from_db()
        assert (credential.status, credential.decided_by) == (Credential.Status.VERIFIED, superuser)
        assert credential.decided_at is not None
    assert sorted(Qualification.objects.values_list("credential_id", "level")) == [
        (waiting[0].pk, Level.FOUNDATIONAL),
        (waiting[1].pk, Level.FOUNDATIONAL),
    ]
    decided.refresh_from_db()
    assert decided.status == Credential.Status.REJECTED
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.expert.email for c in waiting)
    notes = [str(m) for m in response.wsgi_request._messages]
    assert any("2 credentials approved at the Foundational level" in n for n in notes)
    assert any("1 skipped" in n and "Already rejected" in n for n in notes)


def test_bulk_rejection_needs_a_reason_and_emails_each_expert(
    staff_client, superuser, django_capture_on_commit_callbacks
):
    waiting = [CredentialFactory(), CredentialFactory()]

    with django_capture_on_commit_callbacks(execute=True):
        incomplete = _action(staff_client, "reject_selected", waiting, apply="1", reason="other", note="")
    assert incomplete.status_code == 400
    assert not CredentialDecision.objects.exists() and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(
            staff_client, "reject_selected", waiting, apply="1", reason="not_a_credential", note="A holiday photo."
        )

    assert response.status_code == 302
    assert set(Credential.objects.values_list("status", "decision_reason", "decided_by")) == {
        ("rejected", "not_a_credential", superuser.pk)
    }
    assert CredentialDecision.objects.filter(decided_by=superuser, to_status="rejected").count() == 2
    assert len(mail.outbox) == 2
    assert all("A holiday photo." in m.body for m in mail.outbox)


def test_a_credential_decided_meanwhile_is_reported_not_silently_dropped(
    staff_client, superuser, django_capture_on_commit_callbacks
):
    credential = CredentialFactory(title="Raced")
    credential_verify(credential=credential, level=Level.EXPERT, decided_by=UserFactory(is_staff=True))

    response = _action(staff_client, "reject_selected", [credential], apply="1", reason="illegible")

    notes = [str(m) for m in response.wsgi_request._messages]
    assert any("1 skipped" in n and "Raced" in n for n in notes)
    credential.refresh_from_db()
    assert credential.status == Credential.Status.VERIFIED


# --- who gets in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_lab_staff_are_kept_out_of_the_credential_admin(db, client, role):
    member = MembershipFactory(role=role)
    credential = CredentialFactory()
    client.force_login(member.user)

    responses = [
        client.get(CHANGELIST),
        client.get(_change_url(credential)),
        client.post(_decide_url(credential), {"decision": "approve", "level": 3}),
        client.get("/admin/accounts/qualification/"),
        client.get(reverse("admin:accounts_qualification_add")),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    credential.refresh_from_db()
    assert credential.status == Credential.Status.SUBMITTED
    assert not Qualification.objects.exists()


def test_staff_who_may_only_view_cannot_decide(db, client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_credential"))
    credential = CredentialFactory()
    client.force_login(viewer)

    page = client.get(_change_url(credential))
    decide = client.post(_decide_url(credential), {"decision": "approve", "level": 3})

    assert page.status_code == 200 and "may view credentials but not decide" in page.content.decode()
    assert decide.status_code == 403
    credential.refresh_from_db()
    assert credential.status == Credential.Status.SUBMITTED


# --- qualifications --------------------------------------------------------------------------------


def test_staff_grant_a_qualification_by_hand(staff_client, superuser):
    expert = UserFactory()
    cardiology = Domain.objects.get(slug="cardiology")

    response = staff_client.post(
        reverse("admin:accounts_qualification_add"),
        {"expert": expert.pk, "domain": cardiology.pk, "level": Level.PROFESSIONAL, "valid_until": "2099-01-01"},
    )

    assert response.status_code == 302
    qualification = Qualification.objects.get()
    assert (qualification.expert, qualification.domain, qualification.level) == (expert, cardiology, 2)
    assert (qualification.source, qualification.granted_by) == (Qualification.Source.STAFF, superuser)
    assert qualification.valid_until == datetime.date(2099, 1, 1)


def test_a_qualification_ending_in_the_past_is_not_granted(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_qualification_add"),
        {
            "expert": UserFactory().pk,
            "domain": Domain.objects.get(slug="law").pk,
            "level": Level.EXPERT,
            "valid_until": "2001-01-01",
        },
    )

    assert response.status_code == 200
    assert "cannot end in the past" in response.content.decode()
    assert not Qualification.objects.exists()


def test_staff_revoke_qualifications_with_a_reason(staff_client):
    active = QualificationFactory()
    revoked = QualificationFactory(status=Qualification.Status.REVOKED, status_reason="Earlier.")
    url = "/admin/accounts/qualification/"
    selected = {"action": "revoke_selected", helpers.ACTION_CHECKBOX_NAME: [active.pk, revoked.pk]}

    confirm = staff_client.post(url, {**selected, "index": 0})
    missing_reason = staff_client.post(url, {**selected, "apply": "1", "reason": ""})
    done = staff_client.post(url, {**selected, "apply": "1", "reason": "Licence suspended by the board."})

    assert confirm.status_code == 200 and 'name="reason"' in confirm.content.decode()
    assert missing_reason.status_code == 400
    assert done.status_code == 302
    active.refresh_from_db()
    revoked.refresh_from_db()
    assert (active.status, active.status_reason) == ("revoked", "Licence suspended by the board.")
    assert revoked.status_reason == "Earlier."


def test_qualifications_are_not_edited_or_deleted_in_the_admin(staff_client):
    qualification = QualificationFactory(level=Level.FOUNDATIONAL)

    staff_client.post(reverse("admin:accounts_qualification_change", args=[qualification.pk]), {"level": 3})
    delete = staff_client.get(reverse("admin:accounts_qualification_delete", args=[qualification.pk]))

    qualification.refresh_from_db()
    assert qualification.level == Level.FOUNDATIONAL
    assert delete.status_code == 403
