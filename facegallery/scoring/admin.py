"""Admin of the feedback loop: scorer versions with metrics, the loop chart, pin/rollback and
an on-demand retrain."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from facegallery.gallery.models import GenerationSettings
from facegallery.scoring import selectors
from facegallery.scoring.charts import loop_chart_svg
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.services.versions import (
    ScorerVersionError,
    scorer_version_pin,
    scorer_version_unpin,
)


def _decimal3(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


# Metrics shown rounded, in the list and on a version's page (a float's 16 digits are noise).
_ROUNDED = {
    "auc": "auc_display",
    "incumbent_auc": "incumbent_auc_display",
    "log_loss": "log_loss_display",
    "calibration_error": "calibration_display",
    "seconds": "seconds_display",
}
_VERSION_FIELDS = tuple(
    _ROUNDED.get(field.name, field.name)
    for field in ScorerVersion._meta.fields
    if field.name != "artifact"
)


@admin.register(ScorerVersion)
class ScorerVersionAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "created",
        "auc_display",
        "incumbent_auc_display",
        "log_loss_display",
        "calibration_display",
        "training_faces",
        "holdout_faces",
        "is_active",
        "pinned",
        "promoted",
        "note",
    ]
    list_filter = ["is_active", "promoted"]
    exclude = ["artifact"]
    fields = readonly_fields = _VERSION_FIELDS
    actions = ["pin_version", "unpin_version"]

    def has_add_permission(self, request) -> bool:
        return False  # versions come from training only

    @admin.display(description="AUC", ordering="auc")
    def auc_display(self, row: ScorerVersion) -> str:
        return _decimal3(row.auc)

    @admin.display(description="incumbent AUC", ordering="incumbent_auc")
    def incumbent_auc_display(self, row: ScorerVersion) -> str:
        return _decimal3(row.incumbent_auc)

    @admin.display(description="log loss", ordering="log_loss")
    def log_loss_display(self, row: ScorerVersion) -> str:
        return _decimal3(row.log_loss)

    @admin.display(description="calibration error", ordering="calibration_error")
    def calibration_display(self, row: ScorerVersion) -> str:
        return _decimal3(row.calibration_error)

    @admin.display(description="training time")
    def seconds_display(self, row: ScorerVersion) -> str:
        return f"{row.seconds:.1f} s"

    @admin.action(
        description="Make active and pin (rollback to this version)", permissions=["change"]
    )
    def pin_version(self, request, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to pin.", messages.ERROR)
            return
        try:
            row = scorer_version_pin(version=queryset.get().version)
        except ScorerVersionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Scorer v{row.version} is active and pinned.")

    @admin.action(
        description="Release the pin (better versions may replace the active one)",
        permissions=["change"],
    )
    def unpin_version(self, request, queryset) -> None:
        scorer_version_unpin()
        self.message_user(request, "The pin is released.")

    def get_urls(self):
        retrain = self.admin_site.admin_view(self.retrain_view)
        return [
            path("retrain/", retrain, name="scoring_scorerversion_retrain"),
            *super().get_urls(),
        ]

    def retrain_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        from facegallery.scoring.tasks import scorer_retrain as scorer_retrain_task

        transaction.on_commit(scorer_retrain_task.delay)
        self.message_user(request, "Retraining was queued; the new version appears here soon.")
        return HttpResponseRedirect(reverse("admin:scoring_scorerversion_changelist"))

    def changelist_view(self, request, extra_context=None):
        # Permission first: the page's context queries (and may create the settings row)
        # only for those who may see it.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        config = GenerationSettings.current()
        last = ScorerVersion.objects.aggregate(seen=Max("votes_seen"))["seen"] or 0
        context = {
            "loop_chart": loop_chart_svg(selectors.loop_history()),
            "filter": config,
            "keep_percent": round(100 * config.keep_share),
            "explore_percent": round(100 * config.explore_share),
            "settings_url": reverse("admin:gallery_generationsettings_change", args=[config.pk]),
            "active": selectors.scorer_active_get(),
            "retrain_votes": settings.SCORER_RETRAIN_MIN_NEW_VOTES,
            "new_votes": selectors.votes_total() - last,
            "retrain_url": reverse("admin:scoring_scorerversion_retrain"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)
