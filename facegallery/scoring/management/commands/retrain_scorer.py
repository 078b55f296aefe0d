"""`manage.py retrain_scorer [--if-due]`: train a new scorer version now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from facegallery.scoring.services.training import scorer_retrain


class Command(BaseCommand):
    help = (
        "Train a scorer version from the votes; it becomes active only if it beats the active one."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-due", action="store_true", help="only when enough new votes have arrived"
        )
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, if_due: bool, seed: int, **options) -> None:
        result = scorer_retrain(force=not if_due, seed=seed)
        if result.version is None:
            self.stdout.write(f"nothing trained: {result.reason}")
            return
        state = "active" if result.promoted else "stored, not active"
        auc = "n/a" if result.auc is None else f"{result.auc:.3f}"
        self.stdout.write(
            f"scorer v{result.version} ({state}): held-out AUC {auc}; {result.reason}"
        )
