"""What every background job a moderator starts from the admin has (exports, void jobs)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


# The columns every job's admin page shows last, read-only: who asked, when it ran, how it failed.
JOB_RECORD_FIELDS = ("error", "requested_by", "created", "started_at", "finished_at")


class BackgroundJob(models.Model):
    """A row a Celery task works through: its status, who asked, when it ran, how it failed.

    Abstract: each kind of job has its own table (and its own progress columns)."""

    Status = JobStatus

    status = models.CharField(max_length=7, choices=JobStatus.choices, default=JobStatus.QUEUED)
    error = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-id"]
