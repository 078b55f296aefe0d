"""The gallery app: faces, votes and their generation."""

from __future__ import annotations

from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "facegallery.gallery"
    label = "gallery"
