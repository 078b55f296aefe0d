"""Export benchmark: seconds and peak memory per format against DATABASE_URL.

    python -m bench.seed_database --faces 1000000 --votes 5000000   # once
    python -m bench.export [--formats npz ndjson parquet csv votes] [--out var/bench/exports]

Each format runs in a fresh child process, so its peak RSS is its own. It runs twice: on
every face, then on the newest tenth (by --since): "memory flat" means both peaks are about
the same while the row counts differ tenfold. Target: < 120 s a format for 1,000,000 faces.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import RESULTS_DIR, django_setup, table, write_results

FORMATS = ["npz", "ndjson", "parquet", "csv", "votes"]
TARGET_SECONDS = 120


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_one(fmt: str, out: Path, since: str | None) -> dict:
    """In the child: one export, measured."""
    django_setup()
    from facegallery.exports.options import export_spec_from_options
    from facegallery.exports.services import export_dataset

    spec = export_spec_from_options(format=fmt, since=since, status=["visible", "filtered"])
    baseline = _rss_mb()
    started = time.perf_counter()
    result = export_dataset(spec=spec, out=out)
    seconds = time.perf_counter() - started
    size = sum((out / name).stat().st_size for name in result.files)
    return {
        "rows": result.stats.rows,
        "seconds": seconds,
        "bytes": size,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _rss_mb(),
    }


def _child(fmt: str, out: Path, since: str | None) -> dict:
    args = [sys.executable, "-m", "bench.export", "--child", fmt, "--out", str(out)]
    if since:
        args += ["--since", since]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{fmt} export failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _tenth_since() -> str:
    """The creation time above which the newest tenth of the faces lies."""
    django_setup()
    from facegallery.gallery.models import Face

    count = Face.objects.count()
    newest = Face.objects.order_by("-created").values_list("created", flat=True)
    return newest[max(count // 10 - 1, 0)].isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export")
    parser.add_argument("--formats", nargs="+", default=FORMATS, choices=FORMATS)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "exports")
    parser.add_argument("--json", default=None)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--since", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.out, args.since)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    since = _tenth_since()
    rows, results = [], {}
    for fmt in args.formats:
        full = _child(fmt, args.out / fmt, None)
        tenth = _child(fmt, args.out / f"{fmt}-tenth", since)
        for folder in (args.out / fmt, args.out / f"{fmt}-tenth"):
            shutil.rmtree(folder, ignore_errors=True)  # GBs: keep the disk for the others
        results[fmt] = {"all": full, "tenth": tenth}
        rows.append(
            [
                fmt,
                full["rows"],
                full["seconds"],
                full["rows"] / full["seconds"],
                full["bytes"] / 2**20,
                full["peak_rss_mb"] - full["baseline_rss_mb"],
                tenth["rows"],
                tenth["peak_rss_mb"] - tenth["baseline_rss_mb"],
                "yes" if full["seconds"] < TARGET_SECONDS else "NO",
            ]
        )
    headers = [
        "format",
        "rows",
        "seconds",
        "rows/s",
        "MB written",
        "peak RSS +MB",
        "rows (tenth)",
        "peak RSS +MB (tenth)",
        f"< {TARGET_SECONDS} s",
    ]
    print(table(headers, rows))
    path = write_results(
        "export", {"target_seconds": TARGET_SECONDS, "formats": results}, args.json
    )
    print(json.dumps({"results": str(path)}))


if __name__ == "__main__":
    main()
