"""Generation: the beat tick that tops the pool up, the batch task, and admission."""

from __future__ import annotations

from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "facegallery.generation"
    label = "generation"
