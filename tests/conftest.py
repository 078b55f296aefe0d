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


@pytest.fixture
def redis_server(tmp_path):
    """A private Redis the test may stop and start (fault tests)."""
    from facegallery.embedded import EmbeddedRedis

    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()
