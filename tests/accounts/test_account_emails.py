import re
import time

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

PASSWORD = "a long and unusual passphrase"
NEW_PASSWORD = "another long and unusual passphrase"
ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache; every test starts and ends with none."""
    cache.clear()
    yield
    cache.clear()


def _html(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def _totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def _path(pattern: str, text: str) -> str:
    """The path of the one absolute link in ``text`` whose path matches ``pattern``."""
    found = {match.group(1) for match in re.finditer(rf"https?://[^/\s\"<]+({pattern})", text)}
    assert len(found) == 1, found
    return found.pop()


def test_signup_sends_one_email_with_text_and_html_holding_the_confirmation_link(client, db):
    client.post("/accounts/signup/", {"email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    html = _html(message)
    link = _path(r"/accounts/confirm-email/[^\s\"<]+/", message.body)
    assert message.to == ["ada@example.com"]
    assert message.subject == "[Assay] Confirm your email address to finish signing up"
    assert _path(r"/accounts/confirm-email/[^\s\"<]+/", html) == link
    assert "Welcome to Assay!" in message.body and "Welcome to Assay!" in html
    assert "<html" in html and "Confirm my email address" in html

    confirm_page = client.get(link)
    confirmed = client.post(link)

    assert confirm_page.status_code == 200
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="ada@example.com").verified


def test_password_reset_email_holds_a_working_link_in_both_parts(db):
    user = UserFactory(email="ada@example.com", name="Ada Lovelace")
    client = Client()

    client.post("/accounts/password/reset/", {"email": "ada@example.com"})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    pattern = r"/accounts/password/reset/key/[^\s\"<]+/"
    link = _path(pattern, message.body)
    assert _path(pattern, _html(message)) == link
    assert message.subject == "[Assay] Reset your password"
    assert "Hello Ada Lovelace," in message.body
    assert "expires after 3 days" in message.body

    form_url = client.get(link)["Location"]
    changed = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(DEFAULT_PASSWORD)


def test_a_used_reset_link_no_longer_works(db):
    user = UserFactory(email="ada@example.com")
    client = Client()
    client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    link = _path(r"/accounts/password/reset/key/[^\s\"<]+/", mail.outbox[0].body)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = Client().get(link)

    assert again.status_code == 200
    assert "This link no longer works" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_says_so_and_changes_nothing(client, db):
    client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nobody@example.com"]
    assert message.subject == "[Assay] There is no account for this email address"
    assert _path("/accounts/signup/", message.body) == _path("/accounts/signup/", _html(message))
    assert not User.objects.exists()


def test_signing_up_with_a_taken_address_emails_its_owner_and_changes_nothing(client, db):
    owner = UserFactory(email="ada@example.com")

    client.post("/accounts/signup/", {"email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Assay] You already have an account"
    assert _path("/accounts/password/reset/", message.body) == _path("/accounts/password/reset/", _html(message))
    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD)


def test_changing_the_password_sends_a_notice_with_where_it_came_from(db):
    UserFactory(email="ada@example.com", name="Ada Lovelace")
    client = Client(REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="TestBrowser/1.0")
    client.post("/accounts/login/", {"login": "ada@example.com", "password": DEFAULT_PASSWORD})

    client.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    html = _html(message)
    assert message.subject == "[Assay] Your password was changed"
    for part in (message.body, html):
        assert "Hello Ada Lovelace," in part
        assert "192.0.2.44" in part and "TestBrowser/1.0" in part
    assert _path("/accounts/password/reset/", message.body) == "/accounts/password/reset/"


def test_changing_the_primary_address_notifies_the_old_one(db):
    UserFactory(email="ada@example.com")
    client = Client()
    client.post("/accounts/login/", {"login": "ada@example.com", "password": DEFAULT_PASSWORD})
    client.post("/accounts/email/", {"action_add": "", "email": "ada@new.example.com"})
    link = _path(r"/accounts/confirm-email/[^\s\"<]+/", mail.outbox[-1].body)
    client.post(link)
    mail.outbox.clear()

    client.post("/accounts/email/", {"action_primary": "", "email": "ada@new.example.com"})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "[Assay] Your email address was changed"
    assert "ada@new.example.com" in message.body and "ada@new.example.com" in _html(message)


def test_turning_on_two_factor_sends_a_notice(expert, django_capture_on_commit_callbacks):
    client = Client()
    client.post("/accounts/login/", {"login": expert.email, "password": DEFAULT_PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    secret = client.get(ACTIVATE).context["form"].secret
    mail.outbox.clear()

    # allauth sends this notice once the activation commits.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ACTIVATE, {"code": _totp_code(secret)})

    assert [message.subject for message in mail.outbox] == ["[Assay] Two-factor authentication is on"]
    assert "authenticator app" in _html(mail.outbox[0])


@pytest.mark.parametrize(
    ("template", "extra", "subject"),
    [
        ("account/email/password_changed", {}, "Your password was changed"),
        ("account/email/password_set", {}, "A password was set on your account"),
        ("account/email/password_reset", {}, "Your password was reset"),
        (
            "account/email/email_changed",
            {"from_email": "old@example.com", "to_email": "new@example.com"},
            "Your email address was changed",
        ),
        ("account/email/email_deleted", {"deleted_email": "old@example.com"}, "An email address was removed"),
        ("mfa/email/totp_activated", {}, "Two-factor authentication is on"),
        ("mfa/email/totp_deactivated", {}, "Two-factor authentication is off"),
        ("mfa/email/recovery_codes_generated", {}, "New recovery codes were created"),
    ],
)
def test_every_security_notice_has_a_text_and_an_html_part(db, template, extra, subject):
    user = UserFactory(email="ada@example.com", name="Ada <Lovelace>")
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="TestBrowser/1.0")

    with allauth_context.request_context(request):
        get_adapter(request).send_notification_mail(template, user, extra)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    html = _html(message)
    assert message.to == ["ada@example.com"]
    assert message.subject.startswith(f"[Assay] {subject}")
    assert "Hello Ada <Lovelace>," in message.body
    assert "Hello Ada &lt;Lovelace&gt;," in html and "<Lovelace>" not in html
    for part in (message.body, html):
        assert "192.0.2.44" in part
        assert "http://testserver/accounts/password/reset/" in part
        assert "{{" not in part and "{%" not in part
