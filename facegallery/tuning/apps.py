"""Generator versions tuned from votes."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class TuningConfig(AppConfig):
    name = "facegallery.tuning"
    label = "tuning"

    def ready(self) -> None:
        checks.register(check_rails_faces, "facegallery")


def check_rails_faces(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """tuning.W001: the rails' held-out human faces are readable (else no version trains)."""
    from django.conf import settings

    path = settings.TUNING_RAILS_HUMAN_FACES
    if path.is_file():
        return []
    return [
        checks.Warning(
            f"no held-out human faces at {path}: generator versions will not be trained",
            hint="set FACEGALLERY_TUNING_RAILS_HUMAN_FACES to a Quick, Draw! ndjson file",
            id="tuning.W001",
        )
    ]
