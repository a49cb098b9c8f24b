import os

import pytest
from django.conf import settings
from django.core.cache import cache

from marketplace.celery import app as celery_app
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def _database_vendor() -> str:
    return "postgresql" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "sqlite"


def pytest_report_header(config):
    redis = os.environ.get("REDIS_URL") or "not configured (Redis tests skipped)"
    return [f"database: {_database_vendor()} ({settings.DATABASES['default']['NAME']})", f"redis: {redis}"]


def pytest_collection_modifyitems(config, items):
    # Browser tests run last: with Playwright's event loop in the thread, their flush cannot keep
    # the serialized copy of the seeded data, so no serialized-rollback test may come after them.
    items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://... to run")
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", None)
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            fixtures is not None and {"transactional_db", "live_server"} & set(fixtures)
        )
        if transactional and fixtures is not None:
            # A transactional test ends by emptying every table, seeded reference data (domains,
            # exams) included; serialized rollback puts that data back for the tests after it.
            item.fixturenames.append("django_db_serialized_rollback")
        if "postgres" in item.keywords and _database_vendor() != "postgresql":
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process():
    """Tests queue tasks in-process; the worker integration test sends to Redis explicitly."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and cached values never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_files_in_a_temporary_directory(settings, tmp_path):
    """Uploaded evidence goes to a per-test directory, never into the repository's var/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Lab A", slug="lab-a")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Lab B", slug="lab-b")


@pytest.fixture
def owner_a(org_a):
    return MembershipFactory(organization=org_a, user=UserFactory(email="owner-a@example.com"), role="owner")


@pytest.fixture
def owner_b(org_b):
    return MembershipFactory(organization=org_b, user=UserFactory(email="owner-b@example.com"), role="owner")


@pytest.fixture
def expert(db):
    return UserFactory(email="expert@example.com")


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
