"""Celery tasks: interfaces that take ids and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exports.export_job_run", acks_late=True, ignore_result=True)
def export_job_run(job_id: int) -> None:
    # No autoretry: the job row records a failure, and a staff member starts a new export.
    from facegallery.exports.services.jobs import export_job_run as run

    run(job_id=job_id)
