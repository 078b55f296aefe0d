"""python manage.py restore_database --from PATH.dump --yes"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from facegallery.core.backup import BackupError, database_restore


class Command(BaseCommand):
    help = "Replace the database's contents with a backup_database dump (in one transaction)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="dump", type=Path, required=True)
        parser.add_argument("--yes", action="store_true", help="confirm: existing data is replaced")

    def handle(self, *args, dump: Path, yes: bool, **options):
        if not yes:
            raise CommandError("restoring replaces every table: add --yes to confirm")
        try:
            database_restore(dump=dump)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {dump}")
