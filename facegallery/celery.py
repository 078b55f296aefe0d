"""The Celery application: configured from Django settings (CELERY_*), tasks autodiscovered."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facegallery.settings")

app = Celery("facegallery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _logging_from_settings(**kwargs) -> None:
    """Worker and beat log as the web does: settings.LOGGING (LOG_LEVEL, one format, the
    quiet filters), instead of the handlers Celery would put on the root logger."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
