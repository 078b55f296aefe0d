"""Admin-started exports: a job row, a Celery task, progress, files served to staff."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from facegallery.exports.models import ExportJob
from facegallery.exports.options import ExportOptions, export_spec_from_options
from facegallery.exports.services.export import export_dataset, export_spec_check
from facegallery.exports.services.files import ExportError

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0  # one UPDATE a second is plenty for a progress bar


def export_job_create(*, format: str, options: ExportOptions, requested_by=None) -> ExportJob:
    """Validate the options, record the job and queue it once the row is committed."""
    from facegallery.exports.tasks import export_job_run as export_job_run_task

    export_spec_check(export_spec_from_options(format=format, **options))
    job = ExportJob.objects.create(format=format, options=options, requested_by=requested_by)
    transaction.on_commit(lambda: export_job_run_task.delay(job.pk))
    return job


def _job_progress(job_id: int):
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_SECONDS or done == total:
            last = now
            ExportJob.objects.filter(pk=job_id).update(rows_done=done, rows_total=total)

    return progress


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Run a queued job. A job already claimed (a redelivered task) is left alone."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ExportJob.objects.get(pk=job_id)
    try:
        spec = export_spec_from_options(format=job.format, **job.options)
        Path(settings.EXPORTS_DIR).mkdir(parents=True, exist_ok=True)
        out = Path(settings.EXPORTS_DIR) / job.folder_name
        result = export_dataset(spec=spec, out=out, progress=_job_progress(job_id))
    except ExportError as exc:
        _finish(job, ExportJob.Status.FAILED, error=str(exc))
        return job
    except Exception as exc:
        _finish(job, ExportJob.Status.FAILED, error=f"internal error ({type(exc).__name__})")
        raise
    job.files = result.files
    job.rows_done = job.rows_total = result.stats.rows
    _finish(job, ExportJob.Status.DONE)
    return job


def _finish(job: ExportJob, status: str, error: str = "") -> None:
    job.status, job.error, job.finished_at = status, error[:500], timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "files", "rows_done", "rows_total"])
    logger.info("export job %s %s %s", job.pk, status, error)


def export_job_file(*, job_id: int, name: str) -> Path | None:
    """The path of a finished job's file, or None (unknown job, unfinished, unknown name)."""
    job = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.DONE).first()
    if job is None or name not in job.files:  # names come from the row: no path traversal
        return None
    path = Path(settings.EXPORTS_DIR) / job.folder_name / name
    return path if path.is_file() else None
