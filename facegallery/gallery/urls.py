"""Public pages."""

from __future__ import annotations

from django.urls import path

from facegallery.gallery import views

app_name = "gallery"
urlpatterns = [
    path("", views.gallery, name="gallery"),
]
