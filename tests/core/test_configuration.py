"""Bad configuration stops start-up with one clear line, never a traceback."""

from __future__ import annotations

import os

import pytest

from tests.conftest import manage


def env_with(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    return env


def assert_one_clear_line(result, *words: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


@pytest.mark.bad_input("malformed configuration")
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgres://u@host:notaport/db", ["DATABASE_URL", "malformed"]),
        ("sqlite:///db.sqlite3", ["DATABASE_URL", "postgresql://"]),
        ("postgresql://u@host:5432", ["DATABASE_URL", "names no database"]),
    ],
)
def test_a_malformed_database_url_stops_startup_with_one_line(url, words):
    result = manage("check", env=env_with(DATABASE_URL=url))
    assert_one_clear_line(result, *words)


@pytest.mark.bad_input("malformed configuration")
def test_a_malformed_redis_url_stops_startup_with_one_line():
    result = manage("check", env=env_with(REDIS_URL="http://localhost:6379"))
    assert_one_clear_line(result, "REDIS_URL", "redis://")


@pytest.mark.bad_input("malformed configuration")
def test_production_settings_refuse_to_start_without_a_secret_key():
    env = env_with(DEBUG="0")
    env.pop("SECRET_KEY", None)
    env.pop("SECRET_KEY_FILE", None)
    assert_one_clear_line(manage("check", env=env), "SECRET_KEY")


@pytest.mark.bad_input("malformed configuration")
def test_an_unreadable_secret_file_is_named_in_the_error():
    result = manage("check", env=env_with(SECRET_KEY_FILE="/nonexistent/secret"))
    assert_one_clear_line(result, "SECRET_KEY_FILE", "/nonexistent/secret")


@pytest.mark.bad_input("malformed configuration")
def test_a_malformed_boolean_is_rejected():
    assert_one_clear_line(manage("check", env=env_with(DEBUG="maybe")), "DEBUG", "boolean")


def test_check_deploy_passes_with_production_settings():
    env = env_with(
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="p" + "r0duct10n-s3cret-" * 4,
        ALLOWED_HOSTS="faces.example.org",
    )
    env.pop("SECRET_KEY_FILE", None)
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
