"""Celery tasks of generation: interfaces like views. They take ids, call one service, and
retry on transient database errors (a PostgreSQL restart); anything else fails loudly.

Their registered names still say "gallery." (where they lived first): a task already queued
under that name keeps working across a deploy, and beat's schedule names them so."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from facegallery.core.tasks import TRANSIENT_DB_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    name="gallery.generation_top_up",
    acks_late=True,
    ignore_result=True,
    # A tick that finds the database down is simply skipped: the next one comes in seconds.
    expires=10,
)
def generation_top_up() -> None:
    from facegallery.generation.services.batches import generation_top_up as top_up

    top_up()


@shared_task(
    name="gallery.face_generate_batch",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=5,
)
def face_generate_batch(batch_id: int) -> None:
    from facegallery.generation.services.batches import face_generate_batch as generate

    result = generate(batch_id=batch_id)
    if not result.already_done:
        logger.info("batch %s: %s drawn, %s admitted", batch_id, result.generated, result.admitted)


@worker_process_init.connect
def _load_decoder_once(**kwargs) -> None:
    """Load the weights when the worker process starts, not inside the first task."""
    from facegallery.core.decoders import decoder_get

    decoder_get(settings.GENERATOR_MODEL_NAME)
