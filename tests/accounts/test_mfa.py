import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import resolve_url
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/accounts/login/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"
ACTIVATE = "/accounts/2fa/totp/activate/"
RECOVERY_CODES = "/accounts/2fa/recovery-codes/"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and used TOTP codes live in the cache; every test starts and ends with none."""
    cache.clear()
    yield
    cache.clear()


def _code(secret: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` periods from now), by allauth's own HOTP."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + steps_ahead
    return format_hotp_value(hotp_value(secret, counter))


def _a_wrong_code(secret: str) -> str:
    accepted = {_code(secret, steps_ahead=step) for step in range(-2, 3)}
    return next(candidate for candidate in ("000000", "111111", "222222", "333333", "444444", "555555")
                if candidate not in accepted)  # fmt: skip


def _is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _sign_in_with_password(client: Client, email: str, next_url: str = ""):
    data = {"login": email, "password": DEFAULT_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def _turn_on_totp(email: str) -> tuple[str, list[str]]:
    """Drive the real flow: sign in, confirm the password, scan (read) the secret, enter a code.

    Returns the secret and the recovery codes the expert is shown afterwards.
    """
    client = Client()
    assert _sign_in_with_password(client, email).status_code == 302
    reauthenticate = client.get(ACTIVATE)
    assert reauthenticate.status_code == 302 and reauthenticate["Location"].startswith("/accounts/reauthenticate/")
    client.post(reauthenticate["Location"], {"password": DEFAULT_PASSWORD})

    page = client.get(ACTIVATE)
    secret = page.context["form"].secret
    activated = client.post(ACTIVATE, {"code": _code(secret)})
    assert activated.status_code == 302 and activated["Location"] == RECOVERY_CODES

    codes = client.get(RECOVERY_CODES).context["unused_codes"]
    return secret, list(codes)


def test_activation_page_shows_the_secret_and_a_qr_code(client, expert):
    _sign_in_with_password(client, expert.email)
    client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})

    page = client.get(ACTIVATE)

    html = page.content.decode()
    secret = page.context["form"].secret
    assert page.status_code == 200
    assert secret in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "Set up an authenticator app" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_activation_with_a_wrong_code_changes_nothing(client, expert):
    _sign_in_with_password(client, expert.email)
    client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    secret = client.get(ACTIVATE).context["form"].secret

    response = client.post(ACTIVATE, {"code": _a_wrong_code(secret)})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not Authenticator.objects.filter(user=expert).exists()


def test_after_turning_on_totp_sign_in_stops_at_the_code_step(expert):
    secret, _ = _turn_on_totp(expert.email)
    client = Client()

    password_step = _sign_in_with_password(client, expert.email)
    signed_in_after_password = _is_signed_in(client)
    code_step = client.post(MFA_AUTHENTICATE, {"code": _code(secret)})

    assert password_step.status_code == 302 and password_step["Location"] == MFA_AUTHENTICATE
    assert not signed_in_after_password
    assert code_step.status_code == 302 and code_step["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    assert int(client.session["_auth_user_id"]) == expert.pk


def test_a_wrong_code_does_not_sign_in(expert):
    secret, _ = _turn_on_totp(expert.email)
    client = Client()
    _sign_in_with_password(client, expert.email)

    response = client.post(MFA_AUTHENTICATE, {"code": _a_wrong_code(secret)})

    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert not _is_signed_in(client)
    assert client.get("/accounts/email/")["Location"].startswith(LOGIN)


def test_the_code_step_cannot_be_skipped(expert):
    _turn_on_totp(expert.email)
    client = Client()
    _sign_in_with_password(client, expert.email)

    account_page = client.get("/accounts/email/")

    assert account_page.status_code == 302 and account_page["Location"].startswith(LOGIN)
    assert not _is_signed_in(client)


def test_a_recovery_code_works_exactly_once(expert):
    _, recovery_codes = _turn_on_totp(expert.email)
    first, second = Client(), Client()

    _sign_in_with_password(first, expert.email)
    used = first.post(MFA_AUTHENTICATE, {"code": recovery_codes[0]})
    _sign_in_with_password(second, expert.email)
    reused = second.post(MFA_AUTHENTICATE, {"code": recovery_codes[0]})

    assert used.status_code == 302 and _is_signed_in(first)
    assert reused.status_code == 200 and not _is_signed_in(second)
    remaining = Authenticator.objects.get(user=expert, type=Authenticator.Type.RECOVERY_CODES).wrap()
    assert recovery_codes[0] not in remaining.get_unused_codes()
    assert len(remaining.get_unused_codes()) == len(recovery_codes) - 1


def test_admin_sign_in_goes_through_the_code_step(superuser):
    secret, _ = _turn_on_totp(superuser.email)
    client = Client()

    to_login = client.get("/admin/", follow=True).redirect_chain[-1][0]
    password_step = _sign_in_with_password(client, superuser.email, next_url="/admin/")
    admin_before_code = client.get("/admin/")
    code_step = client.post(MFA_AUTHENTICATE, {"code": _code(secret)})
    admin_after_code = client.get("/admin/")

    assert to_login == "/accounts/login/?next=/admin/"
    assert password_step["Location"] == MFA_AUTHENTICATE
    assert admin_before_code.status_code == 302 and "/admin/login/" in admin_before_code["Location"]
    assert code_step.status_code == 302 and code_step["Location"] == "/admin/"
    assert admin_after_code.status_code == 200


def test_without_mfa_sign_in_needs_only_the_password(db):
    user = UserFactory(email="plain@example.com")
    client = Client()

    response = _sign_in_with_password(client, user.email)

    assert response.status_code == 302 and response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    assert int(client.session["_auth_user_id"]) == user.pk


def test_repeated_wrong_codes_pause_the_code_step(expert):
    secret, _ = _turn_on_totp(expert.email)
    client = Client()
    _sign_in_with_password(client, expert.email)
    for _ in range(5):
        client.post(MFA_AUTHENTICATE, {"code": _a_wrong_code(secret)})

    response = client.post(MFA_AUTHENTICATE, {"code": _code(secret)})

    assert "Too many failed attempts for this account. Try again in 15 minutes." in response.content.decode()
    assert not _is_signed_in(client)
