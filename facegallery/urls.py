"""URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from facegallery.api.main import api_urls
from facegallery.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("exports/", include("facegallery.exports.urls")),
    path("api/", api_urls()),
    path("", include("facegallery.voting.urls")),
    path("", include("facegallery.gallery.urls")),
]

# Friendly pages for browsers, {"detail": ...} under /api/.
handler400 = "facegallery.gallery.views.bad_request"
handler403 = "facegallery.gallery.views.permission_denied"
handler404 = "facegallery.gallery.views.page_not_found"
handler500 = "facegallery.gallery.views.server_error"
