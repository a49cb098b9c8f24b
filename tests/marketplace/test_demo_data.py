import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import (
    Credential,
    CredentialDecision,
    ExamAttempt,
    ExpertDomain,
    ExpertProfile,
    Membership,
    Organization,
    Qualification,
    User,
)

ROWS = [User, EmailAddress, Organization, Membership, ExpertProfile, ExpertDomain, Credential, CredentialDecision]
ROWS += [ExamAttempt, Qualification]


def _everything() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in ROWS}


def _expert(email: str) -> User:
    return User.objects.get(email=email)


def test_demo_data_creates_the_cast_and_prints_logins(db, capsys):
    call_command("demo_data")

    out = capsys.readouterr().out
    assert User.objects.filter(is_superuser=True).count() == 1
    assert set(Organization.objects.values_list("slug", flat=True)) == {"quanta", "lexicon"}
    for slug in ("quanta", "lexicon"):
        roles = sorted(Membership.objects.filter(organization__slug=slug).values_list("role", flat=True))
        assert roles == ["owner", "reviewer"]
    assert User.objects.filter(memberships__isnull=True, is_superuser=False).count() == 5
    assert EmailAddress.objects.filter(verified=True).count() == User.objects.count() == 10
    assert "admin@example.com" in out and "poet@experts.example.com" in out and "assay-demo-password" in out
    assert "medical license awaiting review" in out


def test_demo_experts_stand_in_each_onboarding_state(db):
    call_command("demo_data")

    physicist, physician, lawyer, engineer, poet = (
        _expert(f"{who}@experts.example.com") for who in ("physicist", "physician", "lawyer", "engineer", "poet")
    )
    assert set(Qualification.objects.current().filter(expert=physicist).values_list("domain__slug", "source")) == {
        ("quantum-mechanics", "credential"),
        ("mathematics", "exam"),
    }
    assert physicist.expert_profile.status == ExpertProfile.Status.ACTIVE
    assert list(physician.credentials.values_list("status", flat=True)) == [Credential.Status.SUBMITTED]
    assert physician.expert_profile.status == ExpertProfile.Status.ONBOARDING
    rejected = lawyer.credentials.get()
    assert (rejected.status, rejected.decision_reason) == (Credential.Status.REJECTED, "illegible")
    assert not ExpertProfile.objects.filter(user=engineer).exists()
    assert poet.qualifications.get().source == Qualification.Source.STAFF
    assert poet.expert_profile.status == ExpertProfile.Status.ACTIVE


def test_demo_data_twice_changes_nothing(db):
    call_command("demo_data")
    first = _everything()

    call_command("demo_data")

    assert _everything() == first


def test_demo_accounts_can_log_in(client, db):
    call_command("demo_data")

    assert client.login(email="owner@quanta.example.com", password="assay-demo-password")


def test_demo_data_refuses_production(db, settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="never created in production"):
        call_command("demo_data")

    assert User.objects.count() == 0
