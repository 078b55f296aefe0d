"""Celery tasks of moderation: interfaces that take ids and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="moderation.vote_void_job_run", acks_late=True, ignore_result=True)
def vote_void_job_run(job_id: int) -> None:
    # No autoretry: the job row records a failure; the chunks done stay done (each one
    # consistent), and a moderator starts the job again for the rest.
    from facegallery.moderation.voiding import vote_void_job_run as run

    run(job_id=job_id)
