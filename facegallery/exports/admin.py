"""Admin: start an export (the add form), follow its progress, download its files."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from facegallery.core.models import JOB_RECORD_FIELDS
from facegallery.exports.labels import DEFAULT_RATIO
from facegallery.exports.models import ExportJob
from facegallery.exports.options import (
    DEFAULT_STATUS_NAMES,
    STATUS_NAMES,
    ExportOptions,
    export_spec_from_options,
)
from facegallery.exports.selectors import generator_names
from facegallery.exports.services import FORMATS, ExportError, export_spec_check
from facegallery.exports.services.jobs import export_job_create


class ExportJobForm(forms.ModelForm):
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS])
    min_votes = forms.IntegerField(min_value=0, initial=0)
    since = forms.DateField(required=False, help_text="created on or after (YYYY-MM-DD)")
    until = forms.DateField(required=False, help_text="created up to the end of this day")
    generator = forms.ChoiceField(required=False)
    face_status = forms.MultipleChoiceField(
        choices=[(name, name) for name in STATUS_NAMES],
        initial=DEFAULT_STATUS_NAMES,
        widget=forms.CheckboxSelectMultiple,
        help_text="hidden faces only when ticked",
    )
    label_rule = forms.CharField(initial="majority", help_text="majority, wilson[:T] or soft")
    split = forms.CharField(initial="/".join(map(str, DEFAULT_RATIO)), help_text="train/valid/test")

    class Meta:
        model = ExportJob
        fields = ["format"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        generator = self.fields["generator"]
        assert isinstance(generator, forms.ChoiceField)
        generator.choices = [("", "any")] + [(n, n) for n in generator_names()]

    def clean(self):
        data = super().clean()
        assert data is not None  # a ModelForm's clean() returns cleaned_data
        options: ExportOptions = {
            "min_votes": data.get("min_votes") or 0,
            "since": data["since"].isoformat() if data.get("since") else None,
            "until": data["until"].isoformat() if data.get("until") else None,
            "generator": data.get("generator") or None,
            "status": list(data.get("face_status") or []),
            "label_rule": data.get("label_rule") or "majority",
            "split": data.get("split") or "80/10/10",
        }
        try:
            export_spec_check(export_spec_from_options(format=data.get("format", ""), **options))
        except ExportError as exc:
            raise forms.ValidationError(str(exc)) from None
        data["options"] = options
        return data


UNFINISHED = [ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
REFRESH_SECONDS = 3


def _refreshing(response):
    """Reload the page while an export runs, so its progress moves without a click."""
    response["Refresh"] = str(REFRESH_SECONDS)
    return response


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    form = ExportJobForm
    list_display = ["id", "format", "status", "progress", "downloads", "requested_by", "created"]
    list_filter = ["status", "format"]
    list_select_related = ["requested_by"]
    readonly_fields = [
        "format",
        "options",
        "status",
        "progress",
        "downloads",
        *JOB_RECORD_FIELDS,
    ]

    def get_fields(self, request, obj=None):
        if obj is None:  # the add form: what to export
            return [
                "format",
                "min_votes",
                "since",
                "until",
                "generator",
                "face_status",
                "label_rule",
                "split",
            ]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a job is a record: start a new export to change anything

    @admin.display(description="progress")
    def progress(self, job: ExportJob) -> str:
        return f"{job.rows_done:,} / {job.rows_total:,} ({job.percent}%)"

    @admin.display(description="files")
    def downloads(self, job: ExportJob) -> str:
        if job.status != ExportJob.Status.DONE:
            return job.error or "-"
        return format_html_join(
            " ",
            '<a href="{}">{}</a>',
            ((reverse("exports:download", args=[job.pk, name]), name) for name in job.files),
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        unfinished = ExportJob.objects.filter(status__in=UNFINISHED).exists()
        return _refreshing(response) if unfinished else response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        unfinished = ExportJob.objects.filter(pk=object_id, status__in=UNFINISHED).exists()
        return _refreshing(response) if unfinished else response

    def save_model(self, request, obj, form, change) -> None:
        job = export_job_create(
            format=form.cleaned_data["format"],
            options=form.cleaned_data["options"],
            requested_by=request.user,
        )
        obj.pk = job.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, format_html("Export #{} queued: its progress shows here.", obj.pk)
        )
        return super().response_post_save_add(request, obj)
