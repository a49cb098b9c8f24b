import pytest
from django.db import IntegrityError, transaction

from accounts.models import User


def test_email_is_the_login_and_is_stored_lowercase(db):
    user = User.objects.create_user(email="Ada.Lovelace@Example.COM", password="an analytical engine")

    assert user.email == "ada.lovelace@example.com"
    assert not hasattr(user, "username")
    assert User.objects.get_by_natural_key("ADA.LOVELACE@example.com") == user
    assert user.check_password("an analytical engine")


def test_email_is_unique_whatever_its_case(db):
    User.objects.create_user(email="grace@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="GRACE@example.com")

    assert User.objects.count() == 1


def test_superuser_is_platform_staff(db):
    root = User.objects.create_superuser(email="root@example.com", password="x" * 12)
    person = User.objects.create_user(email="person@example.com")

    assert root.is_platform_staff and root.is_staff
    assert not person.is_platform_staff
