"""Admin of generator versions: status, rails, training figures, the rollout's arms side by
side with sample grids; start or stop a rollout, train a version now."""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from facegallery.gallery.models import GeneratorVersion, VersionStatus
from facegallery.tuning import selectors
from facegallery.tuning.services.rollouts import RolloutError, rollout_start, rollout_stop
from generator.render import png_bytes, render_grid_png
from generator.strokes import stroke3_from_bytes

GRID_FACES = 16  # recent faces of each arm in its sample grid


def _grid_data_uri(faces) -> str:
    """A PNG contact sheet of `faces` as a data: URI ("" without faces); the admin's CSP
    allows data: images, so the page needs no second request."""
    if not faces:
        return ""
    sheet = render_grid_png([stroke3_from_bytes(face.strokes) for face in faces], cell=96)
    return "data:image/png;base64," + base64.b64encode(png_bytes(sheet)).decode()


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


@admin.register(GeneratorVersion)
class GeneratorVersionAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "created",
        "status",
        "rails_display",
        "votes_seen",
        "pairs",
        "rollout_percent",
        "seconds_display",
        "note",
    ]
    list_filter = ["status"]
    list_select_related = ["base"]
    exclude = ["artifact"]
    fields = readonly_fields = (
        "version",
        "base",
        "status",
        "method",
        "votes_seen",
        "max_vote_id",
        "pairs",
        "rollout_percent",
        "seconds_display",
        "created",
        "decided_at",
        "note",
        "config",
    )
    actions = ["start_rollout", "stop_rollout"]
    change_form_template = "admin/gallery/generatorversion/tuning_change_form.html"
    change_list_template = "admin/gallery/generatorversion/tuning_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("artifact")

    def has_add_permission(self, request) -> bool:
        return False  # versions come from training only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the faces a version drew name it: it stays, for reproducibility

    @admin.display(description="rails")
    def rails_display(self, row: GeneratorVersion) -> str:
        return "passed" if selectors.rails_passed(row) else "failed"

    @admin.display(description="rollout share", ordering="rollout_share")
    def rollout_percent(self, row: GeneratorVersion) -> str:
        return _percent(row.rollout_share) if row.rollout_share else "—"

    @admin.display(description="training time")
    def seconds_display(self, row: GeneratorVersion) -> str:
        return f"{row.seconds:.1f} s"

    @admin.action(description="Start a rollout (a share of new batches)", permissions=["change"])
    def start_rollout(self, request, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        try:
            rollout = rollout_start(version=queryset.get().version)
        except RolloutError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{rollout.candidate} draws its share of new batches.")

    @admin.action(description="Stop the rollout (reject the candidate)", permissions=["change"])
    def stop_rollout(self, request, queryset) -> None:
        for row in queryset.filter(status=VersionStatus.CANDIDATE):
            try:
                rollout_stop(version=row.version)
            except RolloutError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            self.message_user(request, f"{row} is rejected: it draws no new batches.")

    def get_urls(self):
        train = self.admin_site.admin_view(self.train_view)
        return [
            path("train/", train, name="gallery_generatorversion_train"),
            *super().get_urls(),
        ]

    def train_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        from facegallery.tuning.tasks import version_train as version_train_task

        transaction.on_commit(lambda: version_train_task.delay(force=True))
        self.message_user(request, "Training was queued; the new version appears here soon.")
        return HttpResponseRedirect(reverse("admin:gallery_generatorversion_changelist"))

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        running = selectors.rollout_running_get()
        context = {
            "active": selectors.version_active_get(),
            "running": running,
            "train_votes": settings.TUNING_MIN_NEW_VOTES,
            "new_votes": selectors.counted_votes(after=selectors.version_last_max_vote_id()),
            "train_url": reverse("admin:gallery_generatorversion_train"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if version is not None and self.has_view_or_change_permission(request, version):
            context.update(self._figures(version))
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _figures(self, version: GeneratorVersion) -> dict:
        rails = version.metrics.get("rails") or {}
        training = {name: value for name, value in version.metrics.items() if name != "rails"}
        report = selectors.rollout_report_get(version_id=version.pk)
        arms = []
        if report is not None:
            for arm in report.arms:
                faces = selectors.arm_recent_faces(
                    version_id=arm.version_id,
                    since=report.rollout.started_at,
                    until=report.rollout.ended_at,
                    limit=GRID_FACES,
                )
                arms.append(
                    {
                        "name": arm.name,
                        "votes": arm.arm.votes,
                        "interesting": arm.arm.interesting,
                        "share": _percent(arm.arm.share),
                        "interval": " to ".join(_percent(bound) for bound in arm.interval),
                        "grid": _grid_data_uri(faces),
                    }
                )
        return {
            "rails": rails,
            "rails_passed": selectors.rails_passed(version),
            "training": sorted(training.items()),
            "rollout": report,
            "arms": arms,
            "difference": report and " to ".join(f"{100 * b:+.1f} pts" for b in report.difference),
        }
