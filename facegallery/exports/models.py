"""Exports started from the admin: one row a job, with its progress and its files."""

from __future__ import annotations

from django.db import models

from facegallery.core.models import BackgroundJob


class ExportJob(BackgroundJob):
    format = models.CharField(max_length=8)
    # The options as given (facegallery.exports.options.export_spec_from_options arguments).
    options = models.JSONField(default=dict, blank=True)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(default=0)
    files = models.JSONField(default=list, blank=True, help_text="names in the job's folder")

    def __str__(self) -> str:
        return f"{self.format} export #{self.pk} ({self.status})"

    @property
    def folder_name(self) -> str:
        return f"job-{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
