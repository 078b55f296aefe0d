"""Export downloads (staff only), included under /exports/."""

from __future__ import annotations

from django.urls import path

from facegallery.exports.views import export_download

app_name = "exports"

urlpatterns = [
    path("<int:job_id>/<str:name>", export_download, name="download"),
]
