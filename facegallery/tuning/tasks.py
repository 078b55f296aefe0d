"""Celery tasks of the tuning loop: interfaces that call one service.

tuning.version_train is routed to a queue of its own ("tuning": settings.CELERY_TASK_ROUTES):
a run takes minutes of CPU, and generation's batches must not wait behind it.
"""

from __future__ import annotations

import logging

from celery import shared_task

from facegallery.core.tasks import TRANSIENT_DB_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    name="tuning.version_train",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=30,
    max_retries=3,
    # A check left in the queue while no tuning worker listens is stale by the next one.
    expires=3600,
)
def version_train(force: bool = False) -> None:
    """Beat's check (trains when enough new votes arrived) or, with `force`, the admin's
    "train now" (trains whatever the vote count)."""
    from facegallery.tuning.services.versions import version_train as train

    result = train(force=force)
    if result.version is not None or force:
        logger.info("generator tuning: v%s, %s", result.version, result.reason)


@shared_task(
    name="tuning.rollout_decide",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=5,
    max_retries=3,
    expires=120,
)
def rollout_decide() -> None:
    from facegallery.tuning.services.rollouts import rollout_decide as decide

    decide()
