"""`make run`'s launcher brings up web, worker and beat (and the embedded servers when no
URLs are given); /healthz answers 200, faces appear, and Ctrl-C stops every process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import psutil
import pytest

from facegallery.embedded import EmbeddedRedis
from tests.conftest import REPO_ROOT, free_port
from tests.processes import http_status, kill_family, pool_size, wait_for

pytestmark = pytest.mark.slow


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_launcher(env: dict[str, str], tmp_path) -> tuple[subprocess.Popen, str]:
    """`make run` started the hard way: as `make run &` in a script, with SIGINT ignored
    (what a shell without job control does), so Ctrl-C's signal must still stop it."""
    port = free_port()
    log = (tmp_path / "launcher.log").open("wb")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "facegallery.stack", "run", "--port", str(port),
         "--web-workers", "1", "--var", str(tmp_path / "var")],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        preexec_fn=_ignore_sigint,
    )  # fmt: skip
    return launcher, f"http://127.0.0.1:{port}"


def healthz(url: str) -> dict:
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        return json.load(response)


def interrupt_and_check_everything_stopped(launcher: subprocess.Popen, url: str) -> None:
    family = psutil.Process(launcher.pid).children(recursive=True)
    assert len(family) >= 3  # gunicorn, celery worker, celery beat (and their children)
    launcher.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert launcher.wait(timeout=60) == 0
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"still running after Ctrl-C: {alive}"
    assert http_status(url + "/healthz") == 0  # nothing listens any more


def test_the_launcher_runs_web_worker_and_beat_against_given_servers(
    scratch_database_url, tmp_path
):
    redis = EmbeddedRedis(tmp_path / "redis")
    env = dict(os.environ, DATABASE_URL=scratch_database_url, REDIS_URL=redis.start())
    env.pop("DJANGO_SETTINGS_MODULE", None)
    launcher, url = start_launcher(env, tmp_path)
    try:
        wait_for(lambda: http_status(url + "/healthz") == 200, 120, "/healthz to answer 200")
        assert healthz(url)["checks"] == {
            "database": {"ok": True},
            "redis": {"ok": True},
            "model": {"ok": True},
        }
        # The real worker and beat at work: faces land within seconds.
        wait_for(lambda: pool_size(scratch_database_url) > 0, 60, "faces to appear")
        assert http_status(url + "/") == 200
        interrupt_and_check_everything_stopped(launcher, url)
    finally:
        kill_family(launcher)
        redis.stop()


def test_without_urls_the_launcher_starts_and_stops_embedded_servers(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    launcher, url = start_launcher(env, tmp_path)
    try:
        wait_for(lambda: http_status(url + "/healthz") == 200, 120, "/healthz to answer 200")
        pgdata = str(tmp_path / "var" / "postgres")
        with_pgdata = [
            p for p in psutil.process_iter(["cmdline", "ppid"])
            if pgdata in " ".join(p.info["cmdline"] or [])
        ]  # fmt: skip
        # A backend forked a moment ago still shows the postmaster's command line until it
        # retitles itself, so count only processes whose parent is not one of them.
        pids = {p.pid for p in with_pgdata}
        postgres = [p for p in with_pgdata if p.info["ppid"] not in pids]
        redis = [
            p for p in psutil.Process(launcher.pid).children() if p.name() == "redis-server"
        ]  # fmt: skip
        assert len(postgres) == 1 and len(redis) == 1  # private to this run
        servers = postgres + redis
        interrupt_and_check_everything_stopped(launcher, url)
        _gone, alive = psutil.wait_procs(servers, timeout=15)
        assert alive == [], f"embedded servers still running: {alive}"
    finally:
        kill_family(launcher)
