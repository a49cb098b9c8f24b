"""Configuration comes only from the environment, and a bad environment stops start-up in one line.

The entry points run in subprocesses with a clean environment: settings are read once, at import,
so only a fresh interpreter shows what an operator would see.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.config import (
    POSTGRES_CONNECT_TIMEOUT_SECONDS,
    ConfigurationError,
    database_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_url_check,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET_KEY = "R8vN2qLx7TzK4pWm9sYc3HdF6jGb1uEa5oQi0nVr-ZlXy_kMtUwPeSgJhAfBcDs8Qx"
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": STRONG_SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "assay.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
}


def clean_environment(var_dir: Path, **variables: str) -> dict[str, str]:
    """The caller's environment without any project setting, plus ``variables``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "CELERY_")) and name != "REDIS_URL"
    }
    env["DJANGO_VAR_DIR"] = str(var_dir)
    env.update(variables)
    return env


@pytest.fixture
def var_dir(tmp_path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def manage(var_dir):
    def run(*args: str, **variables: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env=clean_environment(var_dir, **variables),
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def assert_one_line_configuration_error(result: subprocess.CompletedProcess, variable: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: ")
    assert variable in lines[0]
    assert result.stdout == ""
    return lines[0]


def assert_no_database_created(var_dir: Path) -> None:
    assert not (var_dir / "db.sqlite3").exists()


# --- Entry points -----------------------------------------------------------------------------


def test_development_needs_no_configuration(manage, var_dir):
    result = manage("check")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert var_dir.is_dir()  # the embedded SQLite database lives under DJANGO_VAR_DIR, not the repository


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_without_a_required_variable_stops_with_one_line_naming_it(manage, var_dir, missing):
    variables = {name: value for name, value in PRODUCTION.items() if name != missing}

    result = manage("check", **variables)

    assert_one_line_configuration_error(result, missing)
    assert_no_database_created(var_dir)


@pytest.mark.parametrize(
    "secret_key",
    [
        "django-insecure-" + STRONG_SECRET_KEY,
        STRONG_SECRET_KEY[:49],
        "a" * 80,
    ],
    ids=["django-insecure-prefix", "49-characters", "one-repeated-character"],
)
def test_production_refuses_a_weak_secret_key(manage, var_dir, secret_key):
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": secret_key})

    line = assert_one_line_configuration_error(result, "DJANGO_SECRET_KEY")
    assert "too weak" in line
    assert secret_key not in line
    assert_no_database_created(var_dir)


@pytest.mark.parametrize(
    "database_url",
    ["not a url", "postgres://", "mysqlx://x/y", "sqlite://", "postgres://[::1/assay"],
    ids=["not-a-url", "no-database-name", "unknown-scheme", "sqlite-without-path", "broken-host"],
)
def test_malformed_database_url_stops_with_one_line_naming_it(manage, var_dir, database_url):
    result = manage("check", DATABASE_URL=database_url)

    assert_one_line_configuration_error(result, "DATABASE_URL")
    assert_no_database_created(var_dir)


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:port/0"}, "REDIS_URL"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DATABASE_URL": "postgres://db/assay", "DATABASE_CONN_MAX_AGE": "a while"}, "DATABASE_CONN_MAX_AGE"),
    ],
    ids=["redis-not-redis", "redis-bad-port", "unknown-environment", "debug-not-boolean", "conn-max-age-not-number"],
)
def test_malformed_setting_stops_with_one_line_naming_it(manage, var_dir, variables, named):
    result = manage("check", **variables)

    assert_one_line_configuration_error(result, named)
    assert_no_database_created(var_dir)


def test_wsgi_entry_point_reports_a_configuration_error_in_one_line(var_dir):
    result = subprocess.run(
        [sys.executable, "-c", "import marketplace.wsgi"],
        cwd=REPO_ROOT,
        env=clean_environment(var_dir, DJANGO_ENV="production"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert_one_line_configuration_error(result, "DJANGO_SECRET_KEY")


def test_production_settings_pass_the_deploy_checks(manage):
    # ``check --deploy`` runs no database-tagged checks unless asked to, so it does not connect:
    # the database named here need not be reachable for this test to mean something.
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- Helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), (" on ", True), ("no", False), ("0", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("ASSAY_TEST_FLAG", raw)

    assert env_bool("ASSAY_TEST_FLAG", not expected) is expected


def test_env_bool_uses_the_default_when_unset_or_blank(monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_FLAG", "  ")

    assert env_bool("ASSAY_TEST_FLAG", True) is True
    assert env_bool("ASSAY_TEST_UNSET_FLAG", False) is False


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_FLAG", "yep")

    with pytest.raises(ConfigurationError, match=r"ASSAY_TEST_FLAG must be true or false, not 'yep'"):
        env_bool("ASSAY_TEST_FLAG", False)


def test_env_int_reads_a_whole_number_and_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_NUMBER", " 42 ")
    assert env_int("ASSAY_TEST_NUMBER", 0) == 42

    monkeypatch.setenv("ASSAY_TEST_NUMBER", "4.2")
    with pytest.raises(ConfigurationError, match="ASSAY_TEST_NUMBER must be a whole number"):
        env_int("ASSAY_TEST_NUMBER", 0)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_HOSTS", " a.example.com, ,b.example.com,")

    assert env_list("ASSAY_TEST_HOSTS") == ["a.example.com", "b.example.com"]
    assert env_list("ASSAY_TEST_UNSET_HOSTS", ["localhost"]) == ["localhost"]


def test_env_str_required_names_the_missing_variable(monkeypatch):
    monkeypatch.setenv("ASSAY_TEST_TEXT", "   ")

    with pytest.raises(ConfigurationError, match="ASSAY_TEST_TEXT must be set"):
        env_str("ASSAY_TEST_TEXT", required=True)


def test_database_config_reads_a_postgres_url():
    config = database_config("postgres://assay:s%40cret@db.internal:6432/assay", conn_max_age=60)

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "assay",
        "s@cret",
        "db.internal",
        6432,
        "assay",
    )
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True


def test_database_config_bounds_postgres_connection_attempts_unless_the_url_says_otherwise():
    assert database_config("postgres://db/assay")["OPTIONS"]["connect_timeout"] == POSTGRES_CONNECT_TIMEOUT_SECONDS
    assert database_config("postgres://db/assay?connect_timeout=12")["OPTIONS"]["connect_timeout"] == 12


def test_database_config_reads_a_sqlite_path():
    config = database_config("sqlite:////srv/assay/db.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/assay/db.sqlite3"


def test_database_config_accepts_an_explicit_in_memory_sqlite_database():
    assert database_config("sqlite:///:memory:")["NAME"] == ":memory:"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not a url", "is not a URL"),
        ("localhost:5432/assay", "is not a URL"),
        ("postgres://", "names no database"),
        ("postgres://db.internal/", "names no database"),
        ("sqlite://", "names no file"),
        ("sqlite:///", "names no file"),
        ("mysqlx://x/y", "unsupported scheme 'mysqlx'"),
        ("mysql://db.internal/assay", "unsupported scheme 'mysql'"),
        ("postgres://db.internal:99999/assay", "host or port cannot be read"),
        ("postgres://[::1/assay", "host or port cannot be read"),
    ],
)
def test_database_config_refuses_a_malformed_url_with_a_reason(url, reason):
    with pytest.raises(ConfigurationError, match=r"^DATABASE_URL ") as raised:
        database_config(url)

    assert reason in str(raised.value)
    assert "\n" not in str(raised.value)


def test_database_url_error_never_reveals_the_password():
    # An unencoded "/" in the password makes everything after it look like a port.
    with pytest.raises(ConfigurationError) as raised:
        database_config("postgres://assay:hunter/2secret@db.internal/assay")

    assert "hunter" not in str(raised.value)
    assert "2secret" not in str(raised.value)


def test_database_config_names_the_variable_it_was_given():
    with pytest.raises(ConfigurationError, match=r"^REPLICA_DATABASE_URL names no database"):
        database_config("postgres://", name="REPLICA_DATABASE_URL")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.internal:6380/2", "redis://cache"])
def test_redis_url_check_accepts_redis_urls(url):
    assert redis_url_check(url, name="REDIS_URL") == url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/0",
        "redis://",
        "redis:///0",
        "redis://127.0.0.1:port/0",
        "redis://[::1/0",
        "redis://h/zero",
    ],
)
def test_redis_url_check_refuses_anything_else(url):
    with pytest.raises(ConfigurationError, match=r"^REDIS_URL "):
        redis_url_check(url, name="REDIS_URL")
