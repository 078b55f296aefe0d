"""Celery tasks of the core app: housekeeping on the beat schedule."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# What every app's tasks retry on (autoretry_for): a PostgreSQL restart or a dropped
# connection. Anything else fails loudly. Each task picks its own backoff.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="core.sessions_clear_expired",
    acks_late=True,
    ignore_result=True,
    # Hourly: a run that waited behind a long queue is pointless, the next one comes.
    expires=3000,
)
def sessions_clear_expired() -> None:
    from facegallery.core.sessions import session_clear_expired

    deleted = session_clear_expired()
    if deleted:
        logger.info("expired sessions cleared: %d", deleted)
