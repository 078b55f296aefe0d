"""python manage.py backup_database --out PATH.dump"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from facegallery.core.backup import BackupError, database_backup


class Command(BaseCommand):
    help = "Dump the database with pg_dump (custom format) to --out."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, out: Path, **options):
        try:
            path = database_backup(out=out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"backup written to {path} ({path.stat().st_size:,} bytes)")
