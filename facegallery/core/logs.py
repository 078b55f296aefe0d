"""Quiet logs by default: Celery's lines about routine tasks stay out at INFO.

Beat sends the generation tick every 2 seconds, and the worker logs "received" and
"succeeded" for each: about 90 lines a minute that buried the lines that matter (a batch
drawn, a scorer trained, an error). settings.LOGGING attaches this filter to Celery's
loggers; with LOG_LEVEL=DEBUG every line comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

# Celery's own format strings (celery.app.trace LOG_RECEIVED / LOG_SUCCESS, celery.beat,
# celery.worker.request: a tick that waited past its expiry behind a long batch).
_WORKER_ROUTINE = ("Task %(name)s[%(id)s] received", "Task %(name)s[%(id)s] succeeded")
_BEAT_SENDING = "Scheduler: Sending due task"
_WORKER_DISCARDING = "Discarding revoked task"


class QuietRoutineTasks(logging.Filter):
    """Drops the INFO lines about sending, receiving and finishing routine tasks: the given
    ones and every task on beat's schedule (settings.CELERY_BEAT_SCHEDULE).

    Failures, retries and the tasks' own lines are kept. Celery passes the task's name
    as `data["name"]` (worker) or as the second argument (beat's "Sending due task").
    """

    def __init__(self, tasks: Iterable[str] = ()) -> None:
        super().__init__()
        self.tasks = frozenset(tasks)
        self._routine: frozenset[str] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO or logging.getLogger().isEnabledFor(logging.DEBUG):
            return True
        name = task_name(record)
        return name is None or name not in self.routine()

    def routine(self) -> frozenset[str]:
        # Read at the first line, not when logging is configured: settings are still being
        # imported then (LOGGING comes before some entries of the schedule).
        if self._routine is None:
            from django.conf import settings

            schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", {})
            self._routine = self.tasks | {entry["task"] for entry in schedule.values()}
        return self._routine


def task_name(record: logging.LogRecord) -> str | None:
    """The task a routine Celery line is about, or None for any other line."""
    message = str(record.msg)
    data = getattr(record, "data", None)
    if isinstance(data, dict) and message.startswith(_WORKER_ROUTINE):
        return data.get("name")
    args = record.args
    if not isinstance(args, tuple) or len(args) != 2:
        return None
    if message.startswith(_BEAT_SENDING):
        return str(args[1])  # (entry name, task name)
    if message.startswith(_WORKER_DISCARDING):
        return str(args[0])  # (task name, task id)
    return None


def logging_config(level: str) -> dict:
    """settings.LOGGING: one format for web, worker and beat, at `level` (LOG_LEVEL).

    Imported by the settings, so it imports nothing of Django's: the filter is named by path.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "standard": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}
        },
        # Routine tasks (the ticks, and batches, which log their own line) leave no INFO lines
        # behind in Celery's loggers (QuietRoutineTasks above).
        "filters": {
            "quiet_routine_tasks": {
                "()": "facegallery.core.logs.QuietRoutineTasks",
                "tasks": [
                    "gallery.generation_top_up",
                    "scoring.scorer_retrain_if_due",
                    "gallery.face_generate_batch",
                ],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "standard"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "celery.beat": {"filters": ["quiet_routine_tasks"]},
            "celery.worker.strategy": {"filters": ["quiet_routine_tasks"]},
            "celery.app.trace": {"filters": ["quiet_routine_tasks"]},
            "celery.worker.request": {"filters": ["quiet_routine_tasks"]},
            "django.db.backends": {"level": "INFO"},
            # Scanners send random Host headers all day; the 400 is the answer, not news.
            "django.security.DisallowedHost": {"level": "CRITICAL"},
        },
    }
