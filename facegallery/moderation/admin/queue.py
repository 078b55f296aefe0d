"""The moderation queue and the audit log in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from facegallery.gallery.ids import face_id_parse
from facegallery.moderation.actions import dismiss_face_reports, hide_faces
from facegallery.moderation.display import face_link, face_svg
from facegallery.moderation.models import ModerationEvent, ReportedFace
from facegallery.moderation.pagination import EstimatedCountPaginator
from facegallery.moderation.selectors import reported_faces_queue

QUEUE_THUMBNAIL_SIZE = 96
REASONS_SHOWN = 5


@admin.register(ReportedFace)
class ReportedFaceAdmin(admin.ModelAdmin):
    """Faces with open reports, most reported first, each with its reasons and one-click
    Hide / Dismiss buttons. The buttons sit inside the changelist form (which carries the
    CSRF token) and post it to the face's moderate URL instead (formaction)."""

    list_display = [
        "thumbnail",
        "face",
        "status",
        "open_reports",
        "reasons",
        "first_reported",
        "moderate",
    ]
    list_display_links = None
    list_per_page = 25
    sortable_by = ["open_reports", "first_reported"]
    actions = [hide_faces, dismiss_face_reports]

    def get_queryset(self, request):
        return reported_faces_queue(super().get_queryset(request))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The queue has no page of its own: its rows open the face page, for those who may
        # see the queue (the face page checks again).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:gallery_face_change", args=[object_id]))

    @admin.display(description="drawing")
    def thumbnail(self, face):
        return face_svg(face, size=QUEUE_THUMBNAIL_SIZE)

    @admin.display(description="face")
    def face(self, face):
        return face_link(face.pk)

    @admin.display(description="open reports", ordering="open_reports")
    def open_reports(self, face):
        return face.open_reports

    @admin.display(description="first reported", ordering="first_reported")
    def first_reported(self, face):
        return face.first_reported

    @admin.display(description="reasons")
    def reasons(self, face):
        shown = face.open_report_list[:REASONS_SHOWN]
        items = format_html_join("", "<li>{}</li>", ((r.reason or "(no reason)",) for r in shown))
        more = len(face.open_report_list) - len(shown)
        return format_html("<ul>{}</ul>{}", items, f"and {more} more" if more > 0 else "")

    @admin.display(description="")
    def moderate(self, face):
        url = reverse("admin:gallery_face_moderate", args=[face.pk])
        url += "?" + urlencode({"next": reverse("admin:moderation_reportedface_changelist")})
        return format_html(
            '<button type="submit" formaction="{}" name="moderate" value="hide">Hide</button> '
            '<button type="submit" formaction="{}" name="moderate" value="dismiss">Dismiss'
            "</button>",
            url,
            url,
        )


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    list_display = ["created", "actor_name", "action", "face", "target", "before", "after"]
    list_filter = ["action", ("created", admin.DateFieldListFilter)]
    search_fields = ["=actor_name", "=target"]
    search_help_text = "A face id, or an exact moderator name, voter or IP hash."
    ordering = ["-created", "-id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(actor_name=term) | Q(target=term)
        face_id = face_id_parse(term)
        if face_id is not None:
            matches |= Q(face_id=face_id)
        return queryset.filter(matches), False

    @admin.display(description="face")
    def face(self, event):
        return face_link(event.face_id)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an audit log that moderators could edit would prove nothing
