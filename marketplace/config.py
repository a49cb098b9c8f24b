"""Reading configuration from the environment.

Every setting comes from an environment variable. A missing or malformed value raises
``ConfigurationError`` with a one-line message that names the variable; ``manage.py`` and the WSGI
entry point print that line and exit instead of showing a traceback.
"""

import os
from urllib.parse import urlsplit

import dj_database_url


class ConfigurationError(Exception):
    """The environment does not describe a runnable configuration.

    Deliberately not an ``ImproperlyConfigured``: Django's command runner swallows those while it
    looks for a command name, and a configuration error must stop everything, at once, in one line.
    """


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if required:
        raise ConfigurationError(f"{name} must be set")
    return default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return items or list(default or [])


_DATABASE_URL_EXAMPLE = "postgres://user:password@host:5432/dbname"
_REDIS_URL_EXAMPLE = "redis://127.0.0.1:6379/0"
# libpq waits for ever for a server that accepts the connection but never answers; a request (and
# the health check) should fail instead. A URL may set its own: ``...?connect_timeout=10``.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
SUPPORTED_DATABASE_ENGINES = frozenset({"django.db.backends.postgresql", "django.db.backends.sqlite3"})


def _split(url: str, *, name: str, example: str):
    """``urlsplit`` with host and port validated, or one clear line.

    The message never quotes the URL or the parser's complaint: either may hold part of a password.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it validates it: a non-numeric or out-of-range port raises
    except ValueError:
        raise ConfigurationError(
            f"{name} is malformed: its host or port cannot be read (percent-encode special characters "
            f"in the user name and password); expected e.g. {example}"
        ) from None
    return parts


def database_config(url: str, *, name: str = "DATABASE_URL", conn_max_age: int = 0) -> dict:
    """Parse a database URL into Django's DATABASES entry, or raise one clear line."""
    if url in {"sqlite://:memory:", "sqlite:///:memory:"}:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    if "://" not in url:
        raise ConfigurationError(f"{name} is not a URL (expected e.g. {_DATABASE_URL_EXAMPLE})")
    parts = _split(url, name=name, example=_DATABASE_URL_EXAMPLE)
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=conn_max_age > 0)
    except dj_database_url.UnknownSchemeError:
        config = {}
    except (ValueError, KeyError):
        raise ConfigurationError(f"{name} cannot be parsed; expected e.g. {_DATABASE_URL_EXAMPLE}") from None
    engine = config.get("ENGINE", "")
    if engine not in SUPPORTED_DATABASE_ENGINES:
        # Only what the project runs on: any other engine would fail later, with a traceback.
        raise ConfigurationError(
            f"{name} has an unsupported scheme {parts.scheme!r} (expected postgres://... or sqlite:////path/db.sqlite3)"
        )
    if engine.endswith("postgresql"):
        if not config.get("NAME"):
            raise ConfigurationError(f"{name} names no database (expected e.g. {_DATABASE_URL_EXAMPLE})")
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_SECONDS)
    if engine.endswith("sqlite3") and parts.path in {"", "/"}:
        # dj-database-url reads a missing path as an in-memory database, which loses every write.
        raise ConfigurationError(f"{name} names no file (expected sqlite:////absolute/path/db.sqlite3)")
    return config


def redis_url_check(url: str, *, name: str) -> str:
    parts = _split(url, name=name, example=_REDIS_URL_EXAMPLE)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ConfigurationError(f"{name} must be a redis:// URL with a host (e.g. {_REDIS_URL_EXAMPLE})")
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise ConfigurationError(f"{name} must end with a database number, not {db!r} (e.g. {_REDIS_URL_EXAMPLE})")
    return url
