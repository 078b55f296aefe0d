"""The feedback loop over the whole taste suite: `simulate_voters` per taste, seeds in a row.

    python -m bench.loop_suite [--tastes all] [--votes 2000] [--seeds 3] [--jobs 2]
                               [--json PATH]

Each taste (or mixed population, "mixed:top+sides") runs `manage.py simulate_voters --votes N
--taste T --seed 0 --seeds K` in a scratch database of its own (migrated, dropped at the end) on
DATABASE_URL's server, with one torch thread; --jobs tastes run side by side (the runs are
seeded end to end, so how busy the cores are changes their time, not their figures). Prints,
per taste and per group of a mixed population, the medians over the seeds of the floor, the
shown share, the oracle ceiling and the gap closed after the last retrain, the gap per seed,
the admitted share per filtered round and the candidates rejected; then the worst taste.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from bench.common import REPO_ROOT, django_setup, median, scratch_database, table, write_results
from generator.tastes import TASTES


def run_taste(taste: str, args: argparse.Namespace, out: Path) -> dict:
    """One taste's seeds in a scratch database; returns simulate_voters' JSON."""
    with ExitStack() as stack:
        env = {
            **os.environ,
            "DATABASE_URL": scratch_database(stack, "loop_suite"),
            "FACEGALLERY_TORCH_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run(
            [*manage, "migrate", "--no-input", "-v0"], cwd=REPO_ROOT, env=env, check=True
        )
        path = out / f"{taste.replace(':', '_')}.json"
        started = time.perf_counter()
        log = out / f"{taste.replace(':', '_')}.log"
        with log.open("w") as stdout:
            subprocess.run(
                [*manage, "simulate_voters", "--votes", str(args.votes), "--taste", taste,
                 "--seed", str(args.seed), "--seeds", str(args.seeds), "--json", str(path)],
                cwd=REPO_ROOT, env=env, check=True, stdout=stdout, stderr=subprocess.STDOUT,
            )  # fmt: skip
        result = json.loads(path.read_text())
        result["seconds"] = time.perf_counter() - started
        print(f"{taste}: done in {result['seconds']:.0f} s", flush=True)
        return result


def rows_of(taste: str, result: dict) -> list[tuple[list[object], float]]:
    """One (row, median gap closed) per group: medians over the seeds after the last retrain."""
    runs = result["runs"]
    admitted = [r["admitted_share"] for run in runs for r in run["rounds"] if r["filtered"]]
    trained = [r for run in runs for r in run["rounds"] if r["candidate"]]
    rejected = f"{sum(not r['promoted'] for r in trained)} of {len(trained)}"
    rows = []
    for k, group in enumerate(result["groups"]):
        finals = [run["final"][k] for run in runs]
        gaps = [f["gap_closed"] for f in finals if f["gap_closed"] is not None]
        gap = median(gaps) if gaps else float("nan")
        row: list[object] = [
            taste if len(result["groups"]) == 1 else f"{taste} / {group}",
            f"{median([f['floor'] for f in finals]):.1%}",
            f"{median([f['shown'] for f in finals]):.1%}",
            f"{median([f['ceiling'] for f in finals]):.1%}",
            f"**{gap:.1%}**" if gaps else "-",
            " / ".join(f"{g:.1%}" for g in gaps),
            f"{min(admitted):.1%}–{max(admitted):.1%}" if admitted else "-",
            rejected,
        ]
        rows.append((row, gap))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tastes", default="all", help="comma-separated, or all (the suite)")
    parser.add_argument("--votes", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    parser.add_argument("--jobs", type=int, default=2, help="tastes run side by side")
    parser.add_argument("--json", default=None, help="results path (default var/bench/)")
    args = parser.parse_args()
    django_setup()  # the scratch databases are dropped through Django's connections
    tastes = list(TASTES) if args.tastes == "all" else args.tastes.split(",")
    out = Path(tempfile.mkdtemp(prefix="loop_suite_"))
    print(f"{len(tastes)} tastes x {args.seeds} seeds, {args.votes} votes each; logs in {out}")
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = dict(
            zip(tastes, pool.map(lambda t: run_taste(t, args, out), tastes), strict=True)
        )
    rows = [row for taste, result in results.items() for row in rows_of(taste, result)]
    headers = ["taste", "floor", "shown", "ceiling", "gap closed (median)", "per seed"]
    headers += ["admitted per round", "rejected"]
    print(table(headers, [row for row, _ in rows]))
    worst_row, worst_gap = min(rows, key=lambda pair: pair[1])
    reached = sum(1 for _, gap in rows if gap >= 0.7)
    worst = f"worst: {worst_row[0]} ({worst_gap:.1%} of its gap closed)"
    print(f"{worst}; {reached} of {len(rows)} groups close 70% or more of their gap")
    config = {k: v for k, v in vars(args).items() if k != "json"}
    written = write_results("loop_suite", {"config": config, "tastes": results}, args.json)
    print(f"results: {written}")


if __name__ == "__main__":
    main()
