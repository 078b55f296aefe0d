"""The load run with everything up (visitors browse and vote while a worker generates),
with Redis or PostgreSQL taken away in the middle of it: the Redis run also holds every
check of a clean run (exact accounting, no 5xx), since losing Redis must cost nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from facegallery.embedded import EmbeddedPostgres
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres(tmp_path) -> Iterator[tuple[EmbeddedPostgres, str]]:
    server = EmbeddedPostgres(tmp_path / "pg")
    yield server, server.start(database="facegallery")
    server.stop()


def start_load(database_url: str, redis_url: str, results: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the production settings, as gunicorn gets them
    return subprocess.Popen(
        [sys.executable, "-m", "bench.load_visitors", "--visitors", "12", "--web-workers", "2",
         "--think", "0.1,0.4", "--warm-faces", "50", "--json", str(results), *extra],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_until_visitors_start(load: subprocess.Popen) -> list[str]:
    """The driver's output up to its 'visitors start' line (the fault goes in after it)."""
    assert load.stdout is not None  # start_load pipes it
    seen = []
    for line in load.stdout:
        seen.append(line)
        if line.startswith("load: ") and "visitors start" in line:
            return seen
    raise AssertionError("the load never started:\n" + "".join(seen[-40:]))


def finish(load: subprocess.Popen, seen: list[str], results: Path, request) -> dict:
    out, _ = load.communicate(timeout=400)
    assert load.returncode == 0, "".join(seen[-20:]) + out[-4000:]
    verdict = json.loads(results.read_text())
    for key in ("votes_acknowledged", "votes_lost", "server_errors"):  # for the report
        request.node.user_properties.append((key, verdict[key]))
    return verdict


@pytest.mark.fault("redis-down")
def test_a_load_run_with_redis_stopped_in_it_loses_no_vote_and_serves_no_5xx(
    scratch_database_url, redis_server, tmp_path, request
):
    results = tmp_path / "load.json"
    load = start_load(scratch_database_url, redis_server.url, results, "--duration", "20",
                      "--expect-faults")  # fmt: skip
    seen = wait_until_visitors_start(load)
    time.sleep(4)
    redis_server.stop()
    time.sleep(6)
    redis_server.start()
    verdict = finish(load, seen, results, request)
    assert verdict["exact"] is True, verdict["failures"][:5]
    assert verdict["server_errors"] == verdict["no_answer"] == 0  # Redis down is no 5xx
    assert verdict["votes_lost"] == verdict["rows_not_acknowledged"] == 0
    assert verdict["counters_mismatched"] == 0
    assert verdict["votes_acknowledged"] > 50  # the visitors really voted...
    assert verdict["faces_generated"] > 0  # ...while the worker really drew
    assert sum(row[1] for row in verdict["endpoints"] if row[0] == "GET /?sort=[sort]") > 0


@pytest.mark.fault("postgres-restart")
def test_postgres_restarted_under_load_loses_no_acknowledged_vote_and_recovers(
    postgres, redis_server, tmp_path, request
):
    server, database_url = postgres
    results = tmp_path / "load.json"
    load = start_load(database_url, redis_server.url, results, "--duration", "20",
                      "--expect-faults")  # fmt: skip
    seen = wait_until_visitors_start(load)
    time.sleep(4)
    restarted_at = time.time()
    server.restart()
    verdict = finish(load, seen, results, request)
    assert verdict["nothing_lost"] is True and verdict["votes_acknowledged"] > 50
    # Requests during the restart may fail (and are not acknowledged); after it, none.
    late = [f for f in verdict["failures"] if f[0] > restarted_at + 5]
    assert late == [], late[:5]
    assert {status for _, status, *_ in verdict["failures"]} <= {503}  # a retry-able answer
