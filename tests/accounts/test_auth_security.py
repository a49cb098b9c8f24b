import re
import time

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/accounts/login/"
WRONG = "not the password at all"
NEW_PASSWORD = "a fresh and unusual passphrase"
ATTACKER_IP = "198.51.100.7"
VICTIM_IP = "203.0.113.20"
LOAD_BALANCER_IP = "10.0.0.2"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache; every test starts and ends with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """Moves the wall clock (``time.time``, which allauth's rate limits read) forward on demand."""
    real_time = time.time
    offset = {"seconds": 0.0}
    monkeypatch.setattr(time, "time", lambda: real_time() + offset["seconds"])

    def advance(seconds: float) -> None:
        offset["seconds"] += seconds

    return advance


@pytest.fixture
def victim(db):
    return UserFactory(email="victim@example.com")


def _sign_in(client: Client, email: str, password: str, **headers):
    return client.post(LOGIN, {"login": email, "password": password}, **headers)


def _is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client: Client, email: str, times: int, **headers) -> None:
    for _ in range(times):
        response = _sign_in(client, email, WRONG, **headers)
        assert response.status_code == 200 and not _is_signed_in(client)


def _reset_password(client: Client, email: str, new_password: str) -> None:
    """Ask for a reset link, follow it from the email, and choose a new password."""
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/key/done/"


def test_failed_attempts_lock_the_account_only_from_the_attacking_network(victim):
    attacker = Client(REMOTE_ADDR=ATTACKER_IP)
    _fail(attacker, "victim@example.com", 5)

    refused = _sign_in(Client(REMOTE_ADDR=ATTACKER_IP), "victim@example.com", DEFAULT_PASSWORD)
    owner = Client(REMOTE_ADDR=VICTIM_IP)
    accepted = _sign_in(owner, "victim@example.com", DEFAULT_PASSWORD)

    assert refused.status_code == 200
    assert "Too many failed attempts from this network for this account" in refused.content.decode()
    assert accepted.status_code == 302 and _is_signed_in(owner)
    victim.refresh_from_db()
    assert victim.is_active
    assert check_password(DEFAULT_PASSWORD, victim.password)


def test_locked_sign_in_page_says_how_long_and_what_to_do(victim):
    client = Client(REMOTE_ADDR=ATTACKER_IP)
    _fail(client, "victim@example.com", 5)

    page = _sign_in(client, "victim@example.com", DEFAULT_PASSWORD)

    text = page.content.decode()
    assert "Try again in 15 minutes, or reset your password." in text
    assert not _is_signed_in(client)


def test_fewer_failures_than_the_limit_do_not_lock(victim):
    client = Client(REMOTE_ADDR=VICTIM_IP)
    _fail(client, "victim@example.com", 4)

    response = _sign_in(client, "victim@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 302 and _is_signed_in(client)


def test_the_lock_covers_every_address_of_the_account(victim):
    victim.emailaddress_set.create(email="victim.alias@example.com", verified=True, primary=False)
    client = Client(REMOTE_ADDR=ATTACKER_IP)
    _fail(client, "victim@example.com", 3)
    _fail(client, "victim.alias@example.com", 2)

    response = _sign_in(client, "victim.alias@example.com", DEFAULT_PASSWORD)

    assert "Too many failed attempts from this network for this account" in response.content.decode()
    assert not _is_signed_in(client)


def test_forged_forwarded_for_does_not_buy_fresh_attempts_without_a_trusted_proxy(settings, victim):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    attacker = Client(REMOTE_ADDR=ATTACKER_IP)
    for n in range(5):
        _fail(attacker, "victim@example.com", 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")

    response = _sign_in(attacker, "victim@example.com", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert "Too many failed attempts from this network for this account" in response.content.decode()
    assert not _is_signed_in(attacker)


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(settings, victim):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR=LOAD_BALANCER_IP)
    for n in range(5):
        # Whatever the attacker writes into the header, the load balancer appends the real address.
        _fail(attacker, "victim@example.com", 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, {ATTACKER_IP}")

    refused = _sign_in(
        Client(REMOTE_ADDR=LOAD_BALANCER_IP),
        "victim@example.com",
        DEFAULT_PASSWORD,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER_IP}",
    )
    owner = Client(REMOTE_ADDR=LOAD_BALANCER_IP)
    accepted = _sign_in(owner, "victim@example.com", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR=VICTIM_IP)

    assert "Too many failed attempts from this network for this account" in refused.content.decode()
    assert accepted.status_code == 302 and _is_signed_in(owner)


def test_ipv6_addresses_in_one_network_share_the_allowance(victim):
    for n in range(5):
        _fail(Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1}"), "victim@example.com", 1)

    same_network = Client(REMOTE_ADDR="2001:db8:1:2::99")
    other_network = Client(REMOTE_ADDR="2001:db8:1:3::1")
    refused = _sign_in(same_network, "victim@example.com", DEFAULT_PASSWORD)
    accepted = _sign_in(other_network, "victim@example.com", DEFAULT_PASSWORD)

    assert "Too many failed attempts from this network for this account" in refused.content.decode()
    assert not _is_signed_in(same_network)
    assert accepted.status_code == 302 and _is_signed_in(other_network)


def test_one_network_spraying_many_accounts_is_paused(db):
    UserFactory(email="bystander@example.com")
    sprayer = Client(REMOTE_ADDR=ATTACKER_IP)
    for n in range(20):
        _fail(sprayer, f"target{n}@example.com", 1)

    refused = _sign_in(Client(REMOTE_ADDR=ATTACKER_IP), "bystander@example.com", DEFAULT_PASSWORD)
    elsewhere = Client(REMOTE_ADDR=VICTIM_IP)
    accepted = _sign_in(elsewhere, "bystander@example.com", DEFAULT_PASSWORD)

    assert "Too many failed sign-in attempts from your network. Try again in 1 minute." in refused.content.decode()
    assert accepted.status_code == 302 and _is_signed_in(elsewhere)


def test_lock_expires_after_the_cool_off(victim, clock):
    client = Client(REMOTE_ADDR=ATTACKER_IP)
    _fail(client, "victim@example.com", 5)
    clock(14 * 60)
    still_locked = _sign_in(client, "victim@example.com", DEFAULT_PASSWORD)

    clock(60 + 1)
    response = _sign_in(client, "victim@example.com", DEFAULT_PASSWORD)

    assert "Too many failed attempts" in still_locked.content.decode()
    assert response.status_code == 302 and _is_signed_in(client)


def test_password_reset_lifts_the_lock_for_the_resetting_network_only(victim):
    owner = Client(REMOTE_ADDR=VICTIM_IP)
    attacker = Client(REMOTE_ADDR=ATTACKER_IP)
    _fail(owner, "victim@example.com", 5)
    _fail(attacker, "victim@example.com", 5)

    _reset_password(owner, "victim@example.com", NEW_PASSWORD)
    owner_after = _sign_in(owner, "victim@example.com", NEW_PASSWORD)
    attacker_after = _sign_in(attacker, "victim@example.com", NEW_PASSWORD)

    assert owner_after.status_code == 302 and _is_signed_in(owner)
    assert "Too many failed attempts from this network for this account" in attacker_after.content.decode()
    assert not _is_signed_in(attacker)


def test_password_reset_does_not_clear_a_network_spraying_count(db):
    UserFactory(email="sprayer@example.com")
    sprayer = Client(REMOTE_ADDR=ATTACKER_IP)
    for n in range(19):
        _fail(sprayer, f"target{n}@example.com", 1)

    _reset_password(sprayer, "sprayer@example.com", NEW_PASSWORD)
    _fail(sprayer, "target-last@example.com", 1)
    refused = _sign_in(sprayer, "sprayer@example.com", NEW_PASSWORD)

    assert "Too many failed sign-in attempts from your network" in refused.content.decode()
    assert not _is_signed_in(sprayer)


def test_password_reset_signs_out_sessions_opened_with_the_old_password(victim):
    elsewhere = Client(REMOTE_ADDR=ATTACKER_IP)
    _sign_in(elsewhere, "victim@example.com", DEFAULT_PASSWORD)
    assert elsewhere.get("/accounts/email/").status_code == 200

    _reset_password(Client(REMOTE_ADDR=VICTIM_IP), "victim@example.com", NEW_PASSWORD)
    after = elsewhere.get("/accounts/email/")

    assert after.status_code == 302 and after["Location"].startswith(LOGIN)
    assert User.objects.get(pk=victim.pk).check_password(NEW_PASSWORD)


def test_too_many_sign_in_requests_get_a_page_in_the_site_layout(db):
    client = Client(REMOTE_ADDR=ATTACKER_IP)
    for n in range(30):
        client.post(LOGIN, {"login": f"target{n}@example.com", "password": WRONG})

    response = client.post(LOGIN, {"login": "target-last@example.com", "password": WRONG})

    assert response.status_code == 429
    text = response.content.decode()
    assert "<h1>Too many requests</h1>" in text
    assert 'class="site-header"' in text
