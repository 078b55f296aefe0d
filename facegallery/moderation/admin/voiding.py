"""Void jobs in the admin: start one (the add form: voters, IP hash, IP prefix hash, face,
time window, in any combination), follow its progress, read what it did."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from facegallery.core.models import JOB_RECORD_FIELDS
from facegallery.moderation.models import VoidJob
from facegallery.moderation.voiding import VoidError, VoteSelection, vote_void_job_create

UNFINISHED = [VoidJob.Status.QUEUED, VoidJob.Status.RUNNING]
REFRESH_SECONDS = 2


class VoidJobForm(forms.ModelForm):
    voters_text = forms.CharField(
        label="voters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="anon:… or user:…, one a line",
    )

    class Meta:
        model = VoidJob
        fields = ["ip_hash", "ip_prefix_hash", "face_id", "since", "until", "reason"]

    def clean(self):
        data = super().clean()
        assert data is not None  # a ModelForm's clean() returns cleaned_data
        voters = tuple(line.strip() for line in data.get("voters_text", "").splitlines())
        selection = VoteSelection(
            voters=tuple(voter for voter in voters if voter),
            ip_hash=(data.get("ip_hash") or "").strip(),
            ip_prefix_hash=(data.get("ip_prefix_hash") or "").strip(),
            face_id=data.get("face_id"),
            since=data.get("since"),
            until=data.get("until"),
        )
        try:
            selection.check()
        except VoidError as exc:
            raise forms.ValidationError(str(exc)) from None
        data["selection"] = selection
        return data


@admin.register(VoidJob)
class VoidJobAdmin(admin.ModelAdmin):
    form = VoidJobForm
    list_display = ["id", "filters", "status", "progress", "votes_voided", "rolled_back_display",
                    "requested_by", "created"]  # fmt: skip
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    readonly_fields = [
        "filters",
        "reason",
        "status",
        "progress",
        "votes_voided",
        "rolled_back_display",
        *JOB_RECORD_FIELDS,
    ]

    def get_fields(self, request, obj=None):
        if obj is None:  # the add form: what to void
            return [
                "voters_text",
                "ip_hash",
                "ip_prefix_hash",
                "face_id",
                "since",
                "until",
                "reason",
            ]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a job is a record: start a new one to change anything

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # and the audit trail of a void

    @admin.display(description="filters")
    def filters(self, job: VoidJob) -> str:
        parts = []
        if job.voters:
            parts.append(
                f"voters: {', '.join(job.voters[:3])}" + (" …" if len(job.voters) > 3 else "")
            )
        for name in ("ip_hash", "ip_prefix_hash"):
            if getattr(job, name):
                parts.append(f"{name.replace('_', ' ')}: {getattr(job, name)[:12]}…")
        if job.face_id:
            parts.append(f"face #{job.face_id}")
        if job.since or job.until:
            parts.append(f"{job.since or '…'} → {job.until or '…'}")
        return "; ".join(parts)

    @admin.display(description="progress")
    def progress(self, job: VoidJob) -> str:
        return f"{job.faces_done:,} / {job.faces_total:,} faces ({job.percent}%)"

    @admin.display(description="scorer rolled back")
    def rolled_back_display(self, job: VoidJob) -> str:
        return f"v{job.rolled_back}" if job.rolled_back else "—"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if VoidJob.objects.filter(status__in=UNFINISHED).exists():
            response["Refresh"] = str(REFRESH_SECONDS)  # the progress moves without a click
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if VoidJob.objects.filter(pk=object_id, status__in=UNFINISHED).exists():
            response["Refresh"] = str(REFRESH_SECONDS)
        return response

    def save_model(self, request, obj, form, change) -> None:
        job = vote_void_job_create(
            selection=form.cleaned_data["selection"],
            requested_by=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
        obj.pk = job.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, format_html("Void job #{} queued: its progress shows here.", obj.pk)
        )
        return super().response_post_save_add(request, obj)
