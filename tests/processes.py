"""Real child processes for pipeline tests: a migrated database, worker, beat, web."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil
import psycopg

from tests.conftest import REPO_ROOT, free_port, manage


def app_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="facegallery.settings",
        FACEGALLERY_TICK_SECONDS="1",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def migrate(env: dict[str, str]) -> None:
    result = manage("migrate", "--no-input", "-v", "0", env=env)
    assert result.returncode == 0, result.stderr


def sql(database_url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(query, params or None)
        return cursor.fetchall() if cursor.description else []


def set_generation(database_url: str, **fields) -> None:
    """Edit the settings row (made by a migration) as a moderator would in the admin."""
    defaults = {
        "target_pool_size": 300,
        "batch_size": 128,
        "max_batches_in_flight": 4,
        "temperature_min": 0.15,
        "temperature_max": 0.6,
        "batch_lease_seconds": 120,
    }
    values = {**defaults, **fields}
    assignments = ", ".join(f"{column} = %s" for column in values)
    sql(database_url, f"UPDATE gallery_generationsettings SET {assignments} WHERE id = 1",
        tuple(values.values()))  # fmt: skip


def pool_size(database_url: str) -> int:
    return sql(
        database_url,
        "SELECT count(*) FROM gallery_face "
        "WHERE status = 1 AND interesting_count = 0 AND boring_count = 0",
    )[0][0]


class Processes:
    """Children started in their own sessions, stopped (or killed) by the test."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.children: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        child = subprocess.Popen(
            argv, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.children[name] = child
        return child

    def worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start(
            name,
            [sys.executable, "-m", "celery", "-A", "facegallery", "worker", "--loglevel", "INFO",
             "--concurrency", "1", "--hostname", f"{name}-{os.getpid()}@%h", "--without-mingle",
             "--without-gossip"],
        )  # fmt: skip

    def beat(self) -> subprocess.Popen:
        return self.start(
            "beat",
            [sys.executable, "-m", "celery", "-A", "facegallery", "beat", "--loglevel", "INFO",
             "--schedule", str(self.logs / "celerybeat-schedule")],
        )  # fmt: skip

    def web(self) -> str:
        port = free_port()
        self.start(
            "web",
            [sys.executable, "-m", "gunicorn", "facegallery.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--timeout", "20"],
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_status(url + "/healthz") in (200, 503), 60, "web server to answer")
        return url

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        child = self.children.pop(name)
        os.killpg(child.pid, sig)
        child.wait(timeout=30)

    def stop_all(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.children.clear()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


def http_status(url: str, data: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(url, data=data, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def kill_family(process: subprocess.Popen) -> None:
    """A launcher and everything it started, killed if still running (after a failed test):
    nothing may outlive its test and load the machine for the ones after it."""
    if process.poll() is not None:
        return
    family = psutil.Process(process.pid).children(recursive=True)
    for member in [psutil.Process(process.pid), *family]:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    process.wait()
