"""URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from facegallery.api.lean import vote_lean
from facegallery.api.main import api_urls
from facegallery.core.views import healthz
from facegallery.moderation.admin.overview import overview_view
from facegallery.pages.urls import gallery_urls, voting_urls

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the admin's own URLs, which would take "overview" for an app's name.
    path("admin/overview/", admin.site.admin_view(overview_view), name="admin_overview"),
    path("admin/", admin.site.urls),
    path("exports/", include("facegallery.exports.urls")),
    # The lean vote path (issue 18): gunicorn reaches it without the middleware
    # (facegallery/wsgi.py); the view checks CSRF itself, so the middleware's is skipped.
    path("api/lean/faces/<int:face_id>/vote", csrf_exempt(vote_lean), name="vote_lean"),
    path("api/", api_urls()),
    path("", include(voting_urls)),
    path("", include(gallery_urls)),
]

# Friendly pages for browsers, {"detail": ...} under /api/.
handler400 = "facegallery.core.errors.bad_request"
handler403 = "facegallery.core.errors.permission_denied"
handler404 = "facegallery.core.errors.page_not_found"
handler500 = "facegallery.core.errors.server_error"
