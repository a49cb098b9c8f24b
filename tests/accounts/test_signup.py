import re

from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User

PASSWORD = "a long and unusual passphrase"


def _confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


def test_signup_requires_email_verification_before_login(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "Marie.Curie@Example.com", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert user.email == "marie.curie@example.com"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["marie.curie@example.com"]
    assert "_auth_user_id" not in client.session

    login = client.post("/accounts/login/", {"login": "marie.curie@example.com", "password": PASSWORD})

    assert login.status_code == 302 and login["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_following_the_emailed_link_verifies_and_logs_in(client, db):
    client.post("/accounts/signup/", {"email": "marie@example.com", "password1": PASSWORD, "password2": PASSWORD})
    link = _confirmation_link(mail.outbox[0])

    page = client.get(link)
    confirmed = client.post(link)

    assert page.status_code == 200
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="marie@example.com").verified
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="marie@example.com").pk


def test_signup_with_a_taken_email_changes_nothing(client, expert):
    response = client.post(
        "/accounts/signup/", {"email": "EXPERT@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code in (200, 302)
    assert User.objects.filter(email__iexact="expert@example.com").count() == 1


def test_verified_user_logs_in_with_email(client, expert):
    response = client.post(
        "/accounts/login/", {"login": "expert@example.com", "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == expert.pk
