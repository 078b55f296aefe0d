"""python manage.py generate_faces --count N [--temperature T] [--batch-size B]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from facegallery.core.weights import WeightsError
from facegallery.generation.services.batches import faces_generate_now


class Command(BaseCommand):
    help = "Back-fill faces in this process (a progress bar, then a throughput line)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="faces to draw")
        parser.add_argument("--temperature", type=float, default=None, help="default: random")
        parser.add_argument("--batch-size", type=int, default=256)

    def handle(self, *args, count: int, temperature: float | None, batch_size: int, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        if not 1 <= batch_size <= 1024:
            raise CommandError("--batch-size must be between 1 and 1024")
        if temperature is not None and not 0 < temperature <= 2:
            raise CommandError("--temperature must be in (0, 2]")
        started = time.perf_counter()
        with tqdm(total=count, unit="face", desc="generating") as bar:
            try:
                results = faces_generate_now(
                    count=count, temperature=temperature, batch_size=batch_size, progress=bar.update
                )
            except WeightsError as exc:
                raise CommandError(str(exc)) from None
        seconds = time.perf_counter() - started
        admitted = sum(r.admitted for r in results)
        self.stdout.write(
            f"{count} faces drawn, {admitted} admitted in {seconds:.1f} s: "
            f"{count / seconds:.0f} faces/s landed in PostgreSQL"
        )
