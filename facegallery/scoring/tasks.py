"""Celery tasks of the scoring loop: interfaces that call one service."""

from __future__ import annotations

import logging

from celery import shared_task

from facegallery.core.tasks import TRANSIENT_DB_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    name="scoring.scorer_retrain_if_due",
    acks_late=True,
    ignore_result=True,
    # A check that waited behind a long run is pointless: the next one comes soon.
    expires=60,
)
def scorer_retrain_if_due() -> None:
    from facegallery.scoring.services.training import scorer_retrain

    result = scorer_retrain()
    if result.version is not None:
        logger.info("scorer retrain: v%s, %s", result.version, result.reason)


@shared_task(
    name="scoring.scorer_retrain",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=5,
    max_retries=3,
)
def scorer_retrain() -> None:
    """On demand (the admin's "retrain now"): trains whatever the vote count."""
    from facegallery.scoring.services.training import scorer_retrain as retrain

    result = retrain(force=True)
    logger.info("scorer retrain on demand: v%s, %s", result.version, result.reason)
