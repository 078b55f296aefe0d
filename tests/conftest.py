"""Shared fixtures. No Django import at module level: tests/generator runs without Django."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytest_plugins = ["tests.reliability"]

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """Run manage.py in a child process, as an operator would."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def scratch_database_url() -> Iterator[str]:
    """A fresh, empty database on the test server, for child processes that migrate it."""
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin_url = urlunsplit(urlsplit(base)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def fresh_rate_limits(request):
    """Fresh limiter state for each test that has a database (any that can vote): a new
    hash salt gives new voter/IP counters, and the circuit breaker forgets any Redis outage
    simulated by an earlier test. Tests without one (tests/generator) run without Django."""
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker(
        "django_db"
    ):
        yield
        return
    from facegallery.voting.ratelimit import rate_limit_reset

    request.getfixturevalue("settings").VOTER_HASH_SALT = f"test-{uuid.uuid4().hex}"
    rate_limit_reset()
    yield
    rate_limit_reset()


@pytest.fixture
def voters_established_at_once(settings):
    """Every anonymous voter is established at its first vote, so its votes count at once:
    for tests of what voting does and shows, not of who counts (tests/voting/)."""
    settings.VOTER_ESTABLISHED_MINUTES = 0
    settings.VOTER_ESTABLISHED_VOTES = 1


@pytest.fixture
def client():
    """pytest-django's client, as a visitor who has opened a page: it holds the voter ticket
    a page view hands out, so it may vote (tests of refusals use a bare Client)."""
    from tests.factories import visitor

    return visitor()


@pytest.fixture
def drawn_faces(db) -> list:
    """48 different real faces at two temperatures, 24 at 0.2 then 24 at 0.6, visible and
    unscored: enough for a real scorer to learn from. Drawn by the real generation service
    once a test session (factories.drawn_drawings), then copied under fresh seeds."""
    from tests.factories import FaceFactory, drawn_drawings

    drawings = drawn_drawings()
    return FaceFactory.create_batch(len(drawings), drawings=drawings)


@pytest.fixture
def redis_server(tmp_path):
    """A private Redis the test may stop and start (fault tests)."""
    from facegallery.embedded import EmbeddedRedis

    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()
