"""Faces in the admin (the moderators' list and page), generation settings and batches."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter
from django.contrib.admin.utils import flatten
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from facegallery.gallery.ids import face_ids_parse
from facegallery.gallery.models import (
    Face,
    FaceStatus,
    GenerationBatch,
    GenerationSettings,
    GeneratorModel,
)
from facegallery.moderation.actions import (
    FACE_OPERATIONS,
    face_operation_run,
    feature_faces,
    hide_faces,
    unfeature_faces,
    unhide_faces,
)
from facegallery.moderation.display import (
    DRAWING_SIZE,
    decimal3,
    face_svg,
    history_table,
    percent,
    reports_table,
    votes_table,
)
from facegallery.moderation.filters import ReportedFilter, ScoreRangeFilter, VoteCountFilter
from facegallery.moderation.pagination import EstimatedCountPaginator
from facegallery.moderation.selectors import (
    face_moderation_history,
    face_reports,
    face_vote_totals,
    face_votes_latest,
    open_report_counts,
)
from facegallery.moderation.services import face_delete
from facegallery.voting.models import Report, Vote


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
        # Permission first: the admin asks on every page, for the sidebar.
        return super().has_add_permission(request) and not GenerationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GeneratorModel)
class GeneratorModelAdmin(admin.ModelAdmin):
    list_display = ["name", "sha256", "scale_factor", "created"]


@admin.register(GenerationBatch)
class GenerationBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id", "status", "origin", "count", "temperature", "generated", "admitted", "created",
    ]  # fmt: skip
    list_filter = ["status", "origin"]
    list_select_related = ["generator"]


class FaceChangeList(ChangeList):
    """Gives each face of the page its open report count, with one query for the page."""

    def get_results(self, request):
        super().get_results(request)
        faces = list(self.result_list)
        counts = open_report_counts(face_ids=[face.pk for face in faces])
        for face in faces:
            face.open_reports = counts.get(face.pk, 0)
        self.result_list = faces


@admin.register(Face)
class FaceAdmin(admin.ModelAdmin):
    """The moderators' face list and face page. Fast at a million faces: one query for
    the page (generator joined) and one for its open report counts, no COUNT(*) of the
    table (EstimatedCountPaginator), sorting only on columns that have an index."""

    list_display = [
        "thumbnail",
        "id",
        "status",
        "featured",
        "score_display",
        "interesting_count",
        "boring_count",
        "wilson",
        "open_reports_display",
        "generator",
        "explored",
        "created_at",
        "origin",  # last: the sortable columns keep their ?o= indexes (moderators' links)
    ]
    list_display_links = ["thumbnail", "id"]
    list_filter = [
        "status",
        "origin",  # visitor-primed faces ("finish my drawing") are the ones to look at first
        ReportedFilter,
        ScoreRangeFilter,
        VoteCountFilter,
        ("created", DateFieldListFilter),
        "generator",
        "explored",
        "featured",
    ]
    list_select_related = ["generator"]
    list_per_page = 50
    # id grows with time, so "created" sorts by id (the primary key index). Other columns
    # would sort the whole table on every page view (see get_sortable_by for Wilson).
    sortable_by = ["id", "created_at"]
    ordering = ["-id"]
    search_fields = ["=id"]
    search_help_text = "Face ids, separated by spaces or commas."
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = [hide_faces, unhide_faces, feature_faces, unfeature_faces, "delete_selected"]
    change_form_template = "moderation/face_change_form.html"
    fieldsets = [
        (None, {"fields": ["drawing", "status", "featured", "open_reports_display"]}),
        (
            "Votes",
            {
                "fields": [
                    ("interesting_count", "boring_count"),
                    ("wilson_interesting_display", "wilson_boring_display"),
                    "controversy_display",
                    "votes_section",
                ]
            },
        ),
        ("Reports", {"fields": ["reports_section"]}),
        ("Moderation history", {"fields": ["history_section"]}),
        (
            "Generation",
            {
                "fields": [
                    "generator",
                    ("origin", "primed_from_link"),
                    ("seed", "temperature", "precision"),
                    ("score_display", "scorer_version"),
                    ("explored", "admission_display"),
                    ("num_points", "num_strokes"),
                    "created",
                ]
            },
        ),
    ]

    def get_changelist(self, request, **kwargs):
        return FaceChangeList

    def get_sortable_by(self, request):
        # The Wilson index covers visible faces only; sorting all faces by it would sort
        # a million rows on every page view.
        if request.GET.get("status__exact") == str(FaceStatus.VISIBLE):
            return [*self.sortable_by, "wilson"]
        return self.sortable_by

    def get_object(self, request, object_id, from_field=None):
        face = super().get_object(request, object_id, from_field)
        if face is not None:
            face.open_reports = open_report_counts(face_ids=[face.pk]).get(face.pk, 0)
        return face

    def get_readonly_fields(self, request, obj=None):
        # Every change goes through a moderation service (with its audit event), never the form.
        return [name for fieldset in self.fieldsets for name in flatten(fieldset[1]["fields"])]

    def has_add_permission(self, request) -> bool:
        return False  # faces come from the generator only

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(pk__in=face_ids_parse(search_term)), False

    @admin.display(description="face")
    def thumbnail(self, face: Face):
        return face_svg(face)

    @admin.display(description="primed from")
    def primed_from_link(self, face: Face):
        """The face whose first strokes this one continues ("more like this"), if any."""
        if face.primed_from_id is None:
            return "-"
        url = reverse("admin:gallery_face_change", args=[face.primed_from_id])
        return format_html('<a href="{}">face #{}</a>', url, face.primed_from_id)

    @admin.display(description="drawing")
    def drawing(self, face: Face):
        return face_svg(face, size=DRAWING_SIZE)

    @admin.display(description="score", ordering="score")
    def score_display(self, face: Face):
        return decimal3(face.score)

    @admin.display(description="Wilson", ordering="wilson_interesting")
    def wilson(self, face: Face):
        return decimal3(face.wilson_interesting)

    @admin.display(description="Wilson interesting")
    def wilson_interesting_display(self, face: Face):
        return decimal3(face.wilson_interesting)

    @admin.display(description="Wilson boring")
    def wilson_boring_display(self, face: Face):
        return decimal3(face.wilson_boring)

    @admin.display(description="controversy")
    def controversy_display(self, face: Face):
        return decimal3(face.controversy)

    @admin.display(description="admission probability")
    def admission_display(self, face: Face):
        return percent(face.admission_probability)

    @admin.display(description="open reports")
    def open_reports_display(self, face: Face):
        # Set on the page's faces by FaceChangeList, on the face page's by get_object.
        return face.open_reports or ""  # type: ignore[attr-defined]

    @admin.display(description="created", ordering="id")
    def created_at(self, face: Face):
        return face.created

    @admin.display(description="votes")
    def votes_section(self, face: Face):
        totals = face_vote_totals(face_id=face.pk)
        return votes_table(face_votes_latest(face_id=face.pk), face_id=face.pk, **totals)

    @admin.display(description="reports")
    def reports_section(self, face: Face):
        return reports_table(face_reports(face_id=face.pk))

    @admin.display(description="history")
    def history_section(self, face: Face):
        return history_table(face_moderation_history(face_id=face.pk))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        moderate = self.admin_site.admin_view(self.moderate_view)
        return [
            path("<int:object_id>/moderate/", moderate, name="gallery_face_moderate"),
            *super().get_urls(),
        ]

    def moderate_view(self, request, object_id: int):
        """One click on a face's page or in the queue: POST moderate=hide|unhide|…"""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        name = request.POST.get("moderate", "")
        if name == "dismiss" and not request.user.has_perm("voting.change_report"):
            raise PermissionDenied  # dismissing changes the face's reports
        if name in FACE_OPERATIONS:
            face_operation_run(self, request, name, [object_id])
        else:
            self.message_user(request, f"Unknown moderation action {name!r}.", messages.ERROR)
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:gallery_face_change", args=[object_id])
        if not Face.objects.filter(pk=object_id).exists() and "/face/" in next_url:
            next_url = reverse("admin:gallery_face_changelist")
        return HttpResponseRedirect(next_url)

    # Deleting goes through face_delete, so it is recorded like every other action.
    def delete_model(self, request, obj: Face) -> None:
        face_delete(face_ids=[obj.pk], actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        face_delete(face_ids=queryset.values_list("pk", flat=True), actor=request.user)

    def get_deleted_objects(self, objs, request):
        # A face's votes and reports go with it by design: deleting a face needs only
        # delete_face, not the right to delete votes or reports one by one.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed -= {Vote._meta.verbose_name, Report._meta.verbose_name}
        return deleted, model_count, perms_needed, protected
