"""python manage.py fetch_models [--from FOLDER_OR_URL]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from facegallery.core.services import model_weights_fetch
from facegallery.core.weights import WeightsError


class Command(BaseCommand):
    help = "Fetch and verify the model weights named in models/manifest.json."
    # The weight check would fail before the weights are here: this command is its fix.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            default=None,
            help="folder or URL base holding the files (default: FACEGALLERY_MODELS_FROM, "
            "else the canonical URLs)",
        )

    def handle(self, *args, source: str | None, **options):
        try:
            results = model_weights_fetch(source=source, progress=self._progress)
        except WeightsError as exc:
            raise CommandError(str(exc)) from None
        for result in results:
            self.stdout.write(f"{result.name}: {result.path} ({result.origin})")

    def _progress(self, total: int, origin: str):
        bar = tqdm(total=total, unit="B", unit_scale=True, desc=origin[-40:], leave=False)
        return bar.update
