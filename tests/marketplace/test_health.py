"""``/healthz`` tells a load balancer the truth about the database and the broker, and never hangs.

A database that is really down can only be shown in a fresh interpreter (settings are read once, at
import), so those cases run a small script in a subprocess that sets Django up against the broken
configuration and asks ``/healthz`` through the test client.
"""

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.marketplace.test_config import REPO_ROOT, clean_environment

HEALTHZ_SCRIPT = """
import json
import django

django.setup()
from django.test import Client

response = Client().get("/healthz")
print(json.dumps({"status_code": response.status_code, "body": response.json()}))
"""


@pytest.fixture
def healthz_with(tmp_path):
    """Ask ``/healthz`` of a fresh process configured only by ``variables``."""

    def ask(**variables: str) -> tuple[int, dict]:
        env = clean_environment(tmp_path / "var", DJANGO_SETTINGS_MODULE="marketplace.settings", **variables)
        result = subprocess.run(
            [sys.executable, "-c", HEALTHZ_SCRIPT],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,  # a hanging health check fails the test here
        )
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout.strip().splitlines()[-1])
        return answer["status_code"], answer["body"]

    return ask


@pytest.fixture
def silent_port():
    """A port that accepts connections (the kernel completes the handshake) and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as server:
        yield server.getsockname()[1]


def test_healthz_is_ok_when_the_database_is_up(client, db, settings):
    settings.BROKER_CONFIGURED = False

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {"ok": True, "detail": "no broker configured: tasks run in-process"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("database_url", "expected_error"),
    [
        ("postgres://postgres@127.0.0.1:1/nothing", "Connection refused"),
        ("sqlite:////nonexistent-dir/db.sqlite3", "unable to open database file"),
    ],
    ids=["postgres-port-closed", "sqlite-directory-missing"],
)
def test_healthz_answers_503_when_the_database_is_down(healthz_with, database_url, expected_error):
    status_code, body = healthz_with(DATABASE_URL=database_url)

    assert status_code == 503
    assert body["status"] == "error"
    database = body["checks"]["database"]
    assert database["ok"] is False
    assert database["error"].startswith("OperationalError: ")
    assert expected_error in database["error"]
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_gives_up_on_a_database_server_that_never_answers(healthz_with, silent_port):
    status_code, body = healthz_with(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{silent_port}/nothing?connect_timeout=2"
    )

    assert status_code == 503
    assert body["checks"]["database"]["ok"] is False
    assert "timeout" in body["checks"]["database"]["error"]


def test_healthz_answers_503_when_the_broker_is_unreachable(healthz_with):
    status_code, body = healthz_with(CELERY_BROKER_URL="redis://127.0.0.1:1/0")

    assert status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["database"]["ok"] is True
    broker = body["checks"]["broker"]
    assert broker["ok"] is False
    assert "127.0.0.1:1" in broker["error"]


def test_healthz_gives_up_on_a_broker_that_never_answers(healthz_with, silent_port):
    status_code, body = healthz_with(CELERY_BROKER_URL=f"redis://127.0.0.1:{silent_port}/0")

    assert status_code == 503
    assert body["checks"]["broker"]["ok"] is False
    assert "Timeout" in body["checks"]["broker"]["error"]


@pytest.mark.redis
def test_healthz_is_ok_with_a_reachable_broker(client, db, settings):
    settings.BROKER_CONFIGURED = True
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_does_not_tell_the_public_where_the_servers_are(healthz_with):
    status_code, body = healthz_with(DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing", DJANGO_DEBUG="false")

    assert status_code == 503
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert "127.0.0.1" not in json.dumps(body)
