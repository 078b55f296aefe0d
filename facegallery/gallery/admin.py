"""Admin registrations (moderation tools grow here)."""

from __future__ import annotations

from django.contrib import admin

from facegallery.gallery.models import Face, GenerationBatch, GenerationSettings, GeneratorModel


@admin.register(GenerationSettings)
class GenerationSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "target_pool_size",
        "batch_size",
        "max_batches_in_flight",
        "temperature_min",
        "temperature_max",
        "filter_enabled",
    ]

    def has_add_permission(self, request) -> bool:
        return not GenerationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GeneratorModel)
class GeneratorModelAdmin(admin.ModelAdmin):
    list_display = ["name", "sha256", "scale_factor", "created"]


@admin.register(GenerationBatch)
class GenerationBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "count", "temperature", "generated", "admitted", "created"]
    list_filter = ["status"]
    list_select_related = ["generator"]


@admin.register(Face)
class FaceAdmin(admin.ModelAdmin):
    list_display = [
        "id", "status", "num_points", "num_strokes", "interesting_count", "boring_count",
        "score", "explored", "created",
    ]  # fmt: skip
    list_filter = ["status", "explored"]
    search_fields = ["=id"]
    show_full_result_count = False  # COUNT(*) over a million rows on every page is wasted
    exclude = ["strokes"]
