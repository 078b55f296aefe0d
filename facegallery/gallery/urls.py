"""Public pages."""

from __future__ import annotations

from django.urls import path

from facegallery.gallery import views

app_name = "gallery"
urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("faces/<int:face_id>", views.face_detail, name="face"),
    path("faces/<int:face_id>.svg", views.face_svg_download, name="face_svg"),
]
