"""While PostgreSQL cannot be reached: a 503 the visitor may retry, never a 500; then back."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.processes import Processes, app_env, http_status, migrate, wait_for

pytestmark = pytest.mark.slow


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def allow_connections(database_url: str, allowed: bool) -> None:
    """Open or close the database to new connections, and drop the open ones when closing:
    to the web server, the same as PostgreSQL going away."""
    name = urlsplit(database_url).path.lstrip("/")
    admin = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )


@pytest.mark.fault("postgres-restart")
def test_pages_and_the_api_answer_503_while_the_database_is_away_and_recover(
    scratch_database_url, tmp_path
):
    env = app_env(scratch_database_url, os.environ["REDIS_URL"], HTTPS="0", SECRET_KEY="t" * 60)
    migrate(env)
    web = Processes(env, tmp_path)
    url = web.web()
    try:
        assert http_status(url + "/api/faces") == 200
        allow_connections(scratch_database_url, False)
        try:
            status, headers, body = fetch(url + "/faces/1")
            assert (status, headers["Retry-After"]) == (503, "5")
            assert "Nothing you did was lost" in body and "Traceback" not in body
            status, headers, body = fetch(url + "/api/faces")
            assert status == 503 and "try again" in json.loads(body)["detail"]
        finally:
            allow_connections(scratch_database_url, True)
        wait_for(lambda: http_status(url + "/api/faces") == 200, 30, "the API to answer again")
        assert http_status(url + "/faces/1") == 404  # served again (there is no face 1)
    finally:
        web.stop_all()
