"""The scoring filter retrained from votes."""

from __future__ import annotations

from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "facegallery.scoring"
    label = "scoring"
