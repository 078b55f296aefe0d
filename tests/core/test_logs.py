"""Quiet logs: Celery's lines about routine tasks go at INFO, everything else stays; static files
and healthy /healthz probes leave no access lines (gunicorn.conf.py)."""

from __future__ import annotations

import logging
import runpy
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from celery.app.trace import LOG_RECEIVED, LOG_RETRY, LOG_SUCCESS

from facegallery.core.logs import QuietRoutineTasks
from tests.conftest import REPO_ROOT

ROUTINE = "gallery.generation_top_up"


def worker_record(message: str, task: str, level: int = logging.INFO) -> logging.LogRecord:
    context = {"id": "0b1c", "name": task, "runtime": 0.01, "return_value": None, "exc": "x"}
    record = logging.LogRecord("celery.app.trace", level, __file__, 1, message, (context,), None)
    record.data = context
    return record


def record(logger: str, message: str, args: tuple = ()) -> logging.LogRecord:
    return logging.LogRecord(logger, logging.INFO, __file__, 1, message, args, None)


def beat_record(task: str) -> logging.LogRecord:
    return record("celery.beat", "Scheduler: Sending due task %s (%s)", ("tick", task))


@pytest.fixture
def root_level() -> Iterator[Callable[[int], None]]:
    root = logging.getLogger()
    level = root.level
    yield root.setLevel  # setLevel, not the attribute: it clears isEnabledFor's cache
    root.setLevel(level)


@pytest.fixture
def quiet(root_level) -> QuietRoutineTasks:
    root_level(logging.INFO)
    return QuietRoutineTasks(tasks=[ROUTINE])


def test_routine_tasks_leave_no_received_succeeded_or_sending_lines(quiet):
    assert not quiet.filter(worker_record(LOG_RECEIVED, ROUTINE))
    assert not quiet.filter(worker_record(LOG_SUCCESS, ROUTINE))
    assert not quiet.filter(beat_record(ROUTINE))


def test_expired_ticks_leave_no_discarding_lines(quiet):
    message = "Discarding revoked task: %s[%s]"
    assert not quiet.filter(record("celery.worker.request", message, (ROUTINE, "0b1c")))
    assert quiet.filter(record("celery.worker.request", message, ("exports.export_job_run", "1")))


def test_other_tasks_keep_their_lines(quiet):
    assert quiet.filter(worker_record(LOG_RECEIVED, "exports.export_job_run"))
    assert quiet.filter(worker_record(LOG_SUCCESS, "exports.export_job_run"))
    assert quiet.filter(beat_record("exports.export_job_run"))


def test_retries_failures_and_other_lines_of_routine_tasks_are_kept(quiet):
    assert quiet.filter(worker_record(LOG_RETRY, ROUTINE))
    assert quiet.filter(worker_record(LOG_SUCCESS, ROUTINE, level=logging.ERROR))
    assert quiet.filter(record("celery.beat", "beat: Starting..."))


def test_at_debug_every_line_comes_back(quiet, root_level):
    root_level(logging.DEBUG)
    assert quiet.filter(worker_record(LOG_SUCCESS, ROUTINE))
    assert quiet.filter(beat_record(ROUTINE))


def test_every_task_on_beats_schedule_is_routine(settings, root_level):
    root_level(logging.INFO)
    settings.CELERY_BEAT_SCHEDULE = {"hourly": {"task": "core.tidy_up", "schedule": 3600}}
    quiet = QuietRoutineTasks()
    assert not quiet.filter(beat_record("core.tidy_up"))
    assert not quiet.filter(worker_record(LOG_SUCCESS, "core.tidy_up"))


def test_settings_quiet_the_periodic_tasks_and_batches(settings, root_level):
    root_level(logging.INFO)
    options = dict(settings.LOGGING["filters"]["quiet_routine_tasks"])
    quiet = QuietRoutineTasks(tasks=options["tasks"])
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert not quiet.filter(beat_record(entry["task"]))
    # A batch logs "batch N: drawn, admitted" itself.
    assert not quiet.filter(worker_record(LOG_SUCCESS, "gallery.face_generate_batch"))


@pytest.fixture
def access_log(monkeypatch):
    conf = runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))
    logger = conf["logger_class"].__new__(conf["logger_class"])
    seen: list[str] = []
    base = conf["logger_class"].__mro__[1]
    monkeypatch.setattr(base, "access", lambda self, resp, req, environ, t: seen.append(req.path))

    def request(path: str, status: int) -> list[str]:
        seen.clear()
        logger.access(SimpleNamespace(status_code=status), SimpleNamespace(path=path), {}, 0.01)
        return list(seen)

    return request


def test_pages_and_api_calls_get_access_lines(access_log):
    assert access_log("/", 200) == ["/"]
    assert access_log("/api/faces/12/vote", 200) == ["/api/faces/12/vote"]


def test_static_files_and_healthy_probes_get_none(access_log):
    assert access_log("/static/css/site.3960a8380114.css", 200) == []
    assert access_log("/healthz", 200) == []


def test_an_unhealthy_probe_is_logged(access_log):
    assert access_log("/healthz", 503) == ["/healthz"]
