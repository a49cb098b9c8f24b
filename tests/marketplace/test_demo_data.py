import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import Membership, Organization, User


def _everything() -> dict:
    return {
        "users": list(User.objects.order_by("pk").values()),
        "emails": list(EmailAddress.objects.order_by("pk").values()),
        "organizations": list(Organization.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
    }


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
