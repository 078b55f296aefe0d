"""The gallery app: faces and the rows that describe their generation (the data layer every
other app builds on; no views here: the public pages live in facegallery.pages)."""

from __future__ import annotations

from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "facegallery.gallery"
    label = "gallery"
