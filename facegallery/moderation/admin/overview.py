"""The overview page for staff (/admin/overview/, linked at the top of the admin index): the
pool, faces drawn, votes, open reports, the scorer and the generation settings at a glance."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from facegallery.moderation.overview import RECENT_FACES, overview_get

# The admin index with a link to the overview above the apps.
admin.site.index_template = "moderation/admin_index.html"


@require_safe
def overview_view(request: HttpRequest) -> HttpResponse:
    """Staff only: facegallery/urls.py wraps it in admin.site.admin_view."""
    overview = overview_get()
    generation = overview.generation
    context = {
        **admin.site.each_context(request),
        "title": "Overview",
        "overview": overview,
        "faces_per_second": overview.drawn_last_minute / RECENT_FACES.total_seconds(),
        "keep_percent": round(100 * generation.keep_share),
        "explore_percent": round(100 * generation.explore_share),
    }
    return TemplateResponse(request, "moderation/overview.html", context)
