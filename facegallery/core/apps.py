"""The core app: configuration checks, health, and the model weights."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "facegallery.core"
    label = "core"

    def ready(self) -> None:
        checks.register(check_model_weights, "facegallery")


def check_model_weights(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """core.E001: every weight file in models/manifest.json is present and verified."""
    from facegallery.core.selectors import model_weights_problems

    return [
        checks.Error(problem, hint="python manage.py fetch_models", id="core.E001")
        for problem in model_weights_problems()
    ]
