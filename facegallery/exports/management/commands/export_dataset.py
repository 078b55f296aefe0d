"""python manage.py export_dataset --format {npz,ndjson,parquet,csv,votes} --out FOLDER [filters]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from facegallery.exports.labels import DEFAULT_RATIO
from facegallery.exports.options import DEFAULT_STATUS_NAMES, STATUS_NAMES, export_spec_from_options
from facegallery.exports.services import FORMATS, ExportError, export_dataset


class Command(BaseCommand):
    help = (
        "Export vote-labelled faces (or their votes) into FOLDER, with a dataset card "
        "(README.md). All or nothing: a failed export leaves no file behind."
    )

    def add_arguments(self, parser):
        # No argparse `choices` for --format: a bad value must be one CommandError line,
        # like every other bad argument, not argparse's usage block.
        parser.add_argument("--format", required=True, help=f"one of {', '.join(FORMATS)}")
        parser.add_argument("--out", required=True, type=Path, help="folder (created if missing)")
        parser.add_argument("--min-votes", type=int, default=0, help="faces with ≥ N votes")
        parser.add_argument("--since", help="created on or after (YYYY-MM-DD or ISO time)")
        parser.add_argument("--until", help="created before (a date: up to its end)")
        parser.add_argument("--generator", help="generator model name, e.g. face")
        parser.add_argument(
            "--status",
            nargs="+",
            metavar="STATUS",
            help=f"{', '.join(STATUS_NAMES)} (default: {' '.join(DEFAULT_STATUS_NAMES)})",
        )
        parser.add_argument(
            "--label-rule", default="majority", help="majority (default), wilson[:T] or soft"
        )
        parser.add_argument(
            "--split", default="/".join(map(str, DEFAULT_RATIO)), help="train/valid/test %%"
        )

    def handle(self, *args, out: Path, **options):
        try:
            spec = export_spec_from_options(
                format=options["format"],
                min_votes=options["min_votes"],
                since=options["since"],
                until=options["until"],
                generator=options["generator"],
                status=options["status"],
                label_rule=options["label_rule"],
                split=options["split"],
            )
            unit = "vote" if spec.format == "votes" else "face"
            with tqdm(unit=unit, desc=f"exporting {spec.format}") as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                result = export_dataset(spec=spec, out=out, progress=progress)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        files = ", ".join(result.files)
        self.stdout.write(f"{result.stats.rows} rows exported to {result.out}: {files}")
