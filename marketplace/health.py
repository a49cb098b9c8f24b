"""Liveness of the parts a request needs: each database, and the broker when one is configured.

Every check is bounded in time. A server that accepts connections and then never answers (hung,
overloaded, half-dead behind a proxy) makes its check fail within seconds instead of hanging the
probe and the web worker running it: PostgreSQL connections carry a ``connect_timeout`` (see
``marketplace.config``), and the broker check runs under a hard deadline whatever its transport does.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connections
from kombu import Connection

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0
BROKER_DEADLINE_SECONDS = 2 * BROKER_TIMEOUT_SECONDS


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _timed(name: str, check, *, detailed: bool) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a health check reports every failure, whatever its kind
        logger.warning("health check %s failed: %s", name, _describe(exc))
        # Messages name internal hosts and ports: the public answer gives only the kind of failure.
        result = {"ok": False, "error": _describe(exc) if detailed else type(exc).__name__}
    else:
        result = {"ok": True}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database(alias: str) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker_connect(url: str) -> None:
    transport_options = {}
    if url.startswith(("redis://", "rediss://")):
        # Connecting to a hung Redis succeeds; its answer to PING never comes. Bound the reads too.
        transport_options = {"socket_timeout": BROKER_TIMEOUT_SECONDS, "socket_connect_timeout": BROKER_TIMEOUT_SECONDS}
    with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=transport_options) as connection:
        connection.ensure_connection(max_retries=0)  # one attempt: a probe reports, it does not retry


def _broker(url: str) -> None:
    """Connect once, in a daemon thread, and give up at the deadline if the transport has not."""
    failure: list[Exception] = []

    def attempt() -> None:
        try:
            _broker_connect(url)
        except Exception as exc:
            failure.append(exc)

    thread = threading.Thread(target=attempt, name="healthz-broker", daemon=True)
    thread.start()
    thread.join(BROKER_DEADLINE_SECONDS)
    if thread.is_alive():
        raise TimeoutError(f"the broker did not answer within {BROKER_DEADLINE_SECONDS:g} s")
    if failure:
        raise failure[0]


def health_report(*, detailed: bool = False) -> dict:
    """The state of each part; ``detailed`` adds error messages (for DEBUG and platform staff)."""
    checks = {}
    for alias in settings.DATABASES:
        name = "database" if alias == "default" else f"database:{alias}"
        checks[name] = _timed(name, lambda a=alias: _database(a), detailed=detailed)
    if settings.BROKER_CONFIGURED:
        checks["broker"] = _timed("broker", lambda: _broker(settings.CELERY_BROKER_URL), detailed=detailed)
    else:
        checks["broker"] = {"ok": True, "detail": "no broker configured: tasks run in-process"}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "error", "checks": checks}
