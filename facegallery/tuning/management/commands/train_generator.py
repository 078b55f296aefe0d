"""`manage.py train_generator [--if-due] [--decide]`: train a generator version now, or decide
the running rollout."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from facegallery.tuning.services.rollouts import rollout_decide
from facegallery.tuning.services.versions import version_train


class Command(BaseCommand):
    help = (
        "Tune a generator version from the votes and check its rails (one that passes starts "
        "its rollout unless one is running); --decide looks at the running rollout instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-due", action="store_true", help="only when enough new votes have arrived"
        )
        parser.add_argument(
            "--decide", action="store_true", help="decide the running rollout, train nothing"
        )

    def handle(self, *args, if_due: bool, decide: bool, **options) -> None:
        if decide:
            decision = rollout_decide()
            version = f"v{decision.version}" if decision.version else "no candidate"
            self.stdout.write(f"{version}: {decision.verdict} ({decision.reason})")
            return
        result = version_train(force=not if_due)
        if result.version is None:
            self.stdout.write(f"nothing trained: {result.reason}")
            return
        self.stdout.write(f"generator v{result.version}: {result.reason}")
