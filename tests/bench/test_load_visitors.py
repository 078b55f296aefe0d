"""The load run with everything up: visitors browse and vote while a worker generates."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from facegallery.embedded import EmbeddedRedis
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis")
    yield server.start()
    server.stop()


def test_a_short_run_loses_no_vote_and_serves_no_5xx_while_faces_are_drawn(
    scratch_database_url, redis_url, tmp_path
):
    results = tmp_path / "load.json"
    env = dict(os.environ, DATABASE_URL=scratch_database_url, REDIS_URL=redis_url)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the production settings, as gunicorn gets them
    run = subprocess.run(
        [sys.executable, "-m", "bench.load_visitors", "--visitors", "12", "--duration", "12",
         "--web-workers", "2", "--think", "0.1,0.4", "--warm-faces", "50",
         "--json", str(results)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    verdict = json.loads(results.read_text())
    assert verdict["exact"] is True
    assert verdict["votes_acknowledged"] > 50  # the visitors really voted...
    assert verdict["faces_generated"] > 0  # ...while the worker really drew
    assert verdict["votes_lost"] == verdict["rows_not_acknowledged"] == 0
    assert verdict["server_errors"] == 0 and verdict["counters_mismatched"] == 0
    assert sum(row[1] for row in verdict["endpoints"] if row[0] == "GET /?sort=[sort]") > 0
