"""What an operator gets from `make run` on a fresh clone: the URL last and framed, the first
admin made with `make admin` while the stack runs, and logs that stay quiet when idle."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bench.idle_log import classify, open_like_a_browser
from facegallery import stack, stackenv
from tests.conftest import REPO_ROOT
from tests.core.test_stack import start_launcher
from tests.processes import kill_family, wait_for

PASSWORD = "correct-horse-battery-staple-42"


@dataclass
class Launched:
    process: subprocess.Popen
    url: str  # http://127.0.0.1:PORT, no trailing slash
    var: Path
    log: Path
    env: dict[str, str]

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def banner_index(self) -> int | None:
        up = f"Face Gallery is up: {self.url}/"
        return next((i for i, line in enumerate(self.lines()) if up in line), None)


@pytest.fixture(scope="module")
def launched(tmp_path_factory) -> Iterator[Launched]:
    """`make run` as on a fresh clone: no URLs (embedded servers), a private var folder."""
    tmp = tmp_path_factory.mktemp("operator")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process, url = start_launcher(env, tmp)
    running = Launched(process, url, tmp / "var", tmp / "launcher.log", env)
    try:
        wait_for(
            lambda: running.banner_index() is not None or process.poll() is not None,
            180,
            "the launcher to say the site is up",
        )
        assert process.poll() is None, running.log.read_text()
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            kill_family(process)


@pytest.mark.slow
def test_the_url_comes_last_once_web_worker_and_beat_have_started(launched):
    lines = launched.lines()
    banner = launched.banner_index()
    assert banner is not None
    started = ["Listening at:", " ready.", "loaded decoder", "beat: Starting"]
    for marker in started:
        at = next(i for i, line in enumerate(lines) if marker in line)
        assert at < banner, f"{marker!r} came after the URL"
    assert "make admin" in lines[banner]
    assert lines[banner - 1].startswith("====") and lines[banner + 3].startswith("====")


@pytest.mark.slow
def test_the_running_stack_leaves_its_environment_for_its_owner_only(launched):
    path = launched.var / "stack.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "DATABASE_URL=postgresql://" in text
    assert f"FACEGALLERY_STACK_URL={launched.url}/" in text


@pytest.mark.slow
def test_a_new_operator_creates_the_first_admin_and_logs_in(launched):
    # `make admin` runs this command (checked below); --noinput takes the password from
    # DJANGO_SUPERUSER_PASSWORD where an operator would type it.
    command = ["createsuperuser", "--noinput", "--username", "operator", "--email", "op@fg.test"]
    created = subprocess.run(
        [sys.executable, "-m", "facegallery.stack", "manage", "--var", str(launched.var), *command],
        cwd=REPO_ROOT, env=dict(launched.env, DJANGO_SUPERUSER_PASSWORD=PASSWORD),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "Superuser created successfully." in created.stdout

    browser = requests.Session()
    login = f"{launched.url}/admin/login/?next=/admin/"
    form = browser.get(login, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None, form.text
    index = browser.post(
        login,
        data={"csrfmiddlewaretoken": token[1], "username": "operator", "password": PASSWORD},
        headers={"Referer": login},
        timeout=10,
    )
    assert index.status_code == 200
    assert index.url == f"{launched.url}/admin/"
    assert "Site administration" in index.text
    assert "Log out" in index.text


def test_make_admin_and_make_manage_run_the_launchers_manage_command():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "\nadmin: $(VENV)/.runtime\n\t$(PY) -m facegallery.stack manage createsuperuser\n" in (
        makefile
    )
    assert "\nmanage: $(VENV)/.runtime\n\t$(PY) -m facegallery.stack manage $(ARGS)\n" in makefile


@pytest.mark.slow
def test_idle_the_stack_logs_no_static_files_and_no_ticks(launched):
    # Lines of earlier tests on this stack (the admin login's requests) may still be on their
    # way through the relay on a busy machine: wait until the log has been still for 2 s.
    before, still_since = len(launched.lines()), time.monotonic()
    while time.monotonic() - still_since < 2:
        time.sleep(0.2)
        if len(launched.lines()) != before:
            before, still_since = len(launched.lines()), time.monotonic()
    assert open_like_a_browser(launched.url) >= 3  # the page, its CSS and scripts
    time.sleep(12)  # 6 ticks of 2 s: any routine line would show up six times
    written = launched.lines()[before:]
    kinds = classify(written)
    assert kinds["other requests"] == 1, written  # GET /
    for routine in (
        "static file requests",
        "beat sending a task",
        "worker task received / succeeded",
        "top-up that did nothing",
    ):
        assert kinds[routine] == 0, written
    assert len(written) <= 5, written


def test_manage_without_a_running_stack_says_so_in_one_line(tmp_path, capsys):
    assert stack.main(["manage", "--var", str(tmp_path), "check"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "no running stack" in error and "make run" in error


def test_manage_after_the_stack_died_says_so_in_one_line(tmp_path, capsys):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / "stack.env").write_text(f"FACEGALLERY_STACK_PID={gone.pid}\nREDIS_URL=x\n")
    assert stack.main(["manage", "--var", str(tmp_path), "check"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"left from pid {gone.pid}" in error


def test_the_environment_file_goes_when_the_stack_stops(tmp_path):
    with stack.Stack(var_dir=tmp_path) as running:
        running.env = {"DATABASE_URL": "postgresql://u:p w@h/db", "UNRELATED": "x"}
        path = running.write_stack_env("http://127.0.0.1:8000/")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        env = stackenv.stack_env_read(tmp_path)
        assert env == {"DATABASE_URL": "postgresql://u:p w@h/db"}  # quoted, read back whole
    assert not path.exists()
