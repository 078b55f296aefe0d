"""The public pages: the top layer for visitors, beside the JSON API."""

from __future__ import annotations

from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "facegallery.pages"
    label = "pages"
