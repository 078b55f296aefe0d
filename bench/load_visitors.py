"""Load with everything running: N visitors browse and vote while workers generate.

    python -m bench.load_visitors [--visitors 64] [--duration 60] [--web-workers 4]
                                  [--think 0.5,1.5] [--json PATH]

Starts gunicorn with the production settings (HTTPS=0 on loopback only), a Celery worker
and beat against DATABASE_URL / REDIS_URL (migrated here; faces are generated first if
there are too few to vote on), keeps generation busy for the whole run, and drives the
site with locust (bench/locustfile.py, headless). Afterwards it checks, visitor by visitor:

- every vote the server acknowledged is a row with that label, and no row exists that
  was not acknowledged (faces whose last request got no answer are left out: the visitor
  cannot know);
- every touched face's counters equal its vote rows;
- no response was a 5xx.

Rate limits stay on but are raised far above the load (every visitor shares one IP here).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import django_setup, table, write_results
from bench.load_gallery import counters_mismatched, free_port, server_env, start_gunicorn

REPO_ROOT = Path(__file__).resolve().parent.parent


def start_generation(env: dict[str, str]) -> list[subprocess.Popen]:
    celery = [sys.executable, "-m", "celery", "-A", "facegallery"]
    worker = [*celery, "worker", "--concurrency", "1", "--loglevel", "WARNING", "--pool", "prefork"]
    schedule = Path(tempfile.mkdtemp()) / "celerybeat-schedule"
    beat = [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(schedule)]
    return [subprocess.Popen(argv, cwd=REPO_ROOT, env=env) for argv in (worker, beat)]


def visible_faces() -> int:
    from facegallery.gallery.models import Face, FaceStatus

    return Face.objects.filter(status=FaceStatus.VISIBLE).count()


def wait_for_faces(count: int, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while visible_faces() < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"fewer than {count} visible faces after {timeout_s:.0f} s")
        time.sleep(1)


def run_locust(base: str, args, ledger: Path, stats_prefix: Path) -> None:
    env = dict(os.environ, LOAD_LEDGER=str(ledger), LOAD_THINK_S=args.think)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(REPO_ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        base,
        "--users",
        str(args.visitors),
        "--spawn-rate",
        str(max(1, args.visitors // 4)),
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        "0",
        "--csv",
        str(stats_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    # Its own summary repeats what the table below says: keep it for a look, not the screen.
    log_path = stats_prefix.parent / "locust.log"
    with log_path.open("w") as log:
        run = subprocess.run(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log, timeout=args.duration + 120
        )
    if run.returncode != 0:
        raise SystemExit(f"locust exited with {run.returncode}: see {log_path}")


def endpoint_rows(stats_csv: Path) -> list[list]:
    rows = []
    with stats_csv.open() as handle:
        for line in csv.DictReader(handle):
            rows.append(
                [
                    f"{line['Type']} {line['Name']}".strip(),
                    float(line["Requests/s"]),
                    float(line["50%"]),
                    float(line["99%"]),
                    int(line["Failure Count"]),
                ]
            )
    return rows


def check_ledger(ledger: dict) -> dict:
    """Compare every visitor's acknowledged votes with the rows under its voter id."""
    from importlib import import_module

    from django.conf import settings

    from facegallery.voting.identity import SESSION_VOTER_KEY
    from facegallery.voting.models import Vote

    store = import_module(settings.SESSION_ENGINE).SessionStore  # the site's own engine
    acknowledged = lost = phantom = unsure = 0
    touched: set[int] = set()
    for visitor in ledger["visitors"]:
        acked = {int(face): label for face, label in visitor["votes"].items()}
        not_known = set(visitor["unsure"])
        unsure += len(not_known)
        session = store(session_key=visitor["sessionid"]) if visitor["sessionid"] else {}
        voter_id = session.get(SESSION_VOTER_KEY)
        rows = (
            dict(
                Vote.objects.filter(voter=f"anon:{voter_id}", voided=False).values_list(
                    "face_id", "label"
                )
            )
            if voter_id
            else {}
        )
        touched |= set(rows) | set(acked)
        for face, label in acked.items():
            acknowledged += 1
            lost += face not in not_known and rows.get(face) != label
        phantom += sum(1 for face in rows if face not in acked and face not in not_known)
    return {
        "visitors": len(ledger["visitors"]),
        "votes_acknowledged": acknowledged,
        "votes_lost": lost,
        "rows_not_acknowledged": phantom,
        "faces_unsure": unsure,
        "faces_touched": len(touched),
        "counters_mismatched": counters_mismatched(sorted(touched)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=64, help="concurrent simulated visitors")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per process")
    parser.add_argument("--think", default="0.5,1.5", help="visitor pause between actions, s")
    parser.add_argument("--warm-faces", type=int, default=200, help="faces before the start")
    parser.add_argument("--json", default=None, help="results path (default var/bench/)")
    parser.add_argument(
        "--expect-faults",
        action="store_true",
        help="something is broken mid-run on purpose: 5xx are reported, only a lost vote fails",
    )
    args = parser.parse_args()
    env = server_env()
    env.update(FACEGALLERY_TORCH_THREADS="1", FACEGALLERY_TICK_SECONDS="1")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    os.environ.update({k: env[k] for k in ("SECRET_KEY", "HTTPS", "DEBUG")})
    django_setup()
    from django.db import connections

    from facegallery.gallery.models import Face, GenerationSettings

    generation = GenerationSettings.objects.get()
    saved_pool = generation.target_pool_size
    # Far more than the run can draw: the worker generates from start to end.
    GenerationSettings.objects.update(target_pool_size=visible_faces() + 1_000_000)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    children = start_generation(env)
    server = start_gunicorn(port, args.web_workers, args.web_threads)
    work = Path(tempfile.mkdtemp())
    try:
        wait_for_faces(args.warm_faces)
        faces_before = Face.objects.count()
        started = time.time()
        # Fault tests wait for this line, then break something mid-run.
        print(f"load: {args.visitors} visitors start at {started:.3f}", flush=True)
        run_locust(base, args, work / "ledger.json", work / "locust")
        ended = time.time()
        elapsed = ended - started
        connections.close_all()  # the database may have restarted under us (fault runs)
        faces_drawn = Face.objects.count() - faces_before
    finally:
        server.terminate()
        for child in children:
            child.terminate()
        for process in [server, *children]:
            process.wait(timeout=60)
        GenerationSettings.objects.update(target_pool_size=saved_pool)

    ledger = json.loads((work / "ledger.json").read_text())
    verdict = check_ledger(ledger)
    server_errors = sum(n for key, n in ledger["statuses"].items() if key.split()[-1][0] == "5")
    no_answer = sum(n for key, n in ledger["statuses"].items() if key.endswith(" 0"))
    verdict.update(
        server_errors=server_errors,
        no_answer=no_answer,
        faces_generated=faces_drawn,
        faces_generated_per_s=faces_drawn / elapsed,
    )
    verdict["nothing_lost"] = (
        verdict["votes_lost"] == verdict["rows_not_acknowledged"] == 0
        and verdict["counters_mismatched"] == 0
    )
    verdict["exact"] = verdict["nothing_lost"] and server_errors == 0 and no_answer == 0
    rows = endpoint_rows(work / "locust_stats.csv")
    print(table(["endpoint", "req/s", "p50 ms", "p99 ms", "failures"], rows))
    print()
    print(table(["check", "value"], [[k, v] for k, v in verdict.items()]))
    config = {
        k: getattr(args, k) for k in ("visitors", "duration", "web_workers", "web_threads", "think")
    }
    config["faces_before"] = faces_before
    results = {
        "config": config,
        "endpoints": rows,
        "statuses": ledger["statuses"],
        "started_at": started,
        "ended_at": ended,
        "failures": ledger["failures"],
        **verdict,
    }
    path = write_results("load_visitors", results, args.json)
    print(f"results: {path}")
    # Under an injected fault (--expect-faults) 5xx are reported, but only a loss fails.
    sys.exit(0 if verdict["nothing_lost" if args.expect_faults else "exact"] else 1)


if __name__ == "__main__":
    main()
