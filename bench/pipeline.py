"""End-to-end generation throughput: faces landed in PostgreSQL by one real Celery worker.

    python -m bench.pipeline [--faces 8192] [--batch-size 256] [--repeats 3]

Starts one worker (concurrency 1: a single process using the machine's cores through torch),
enqueues batches as the beat tick does, and times from the first enqueue until every batch is
done (drawn, scored by the active filter, inserted in one transaction). Runs against
DATABASE_URL / REDIS_URL; the faces it adds stay (they are real faces).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import django_setup, median, table, write_results

ROOT = Path(__file__).resolve().parent.parent


def start_worker(log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "facegallery",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def run_once(faces: int, batch_size: int) -> dict[str, float]:
    from django.utils import timezone

    from facegallery.gallery.models import BatchStatus, Face, GenerationBatch
    from facegallery.generation.services.batches import generator_model_get
    from facegallery.generation.tasks import face_generate_batch

    generator = generator_model_get()
    before = Face.objects.count()
    started = time.perf_counter()
    ids = []
    for _ in range(faces // batch_size):
        batch = GenerationBatch.objects.create(
            generator=generator, count=batch_size, temperature=0.25, dispatched_at=timezone.now()
        )
        face_generate_batch.delay(batch.pk)
        ids.append(batch.pk)
    deadline = time.monotonic() + 600
    while GenerationBatch.objects.filter(pk__in=ids, status=BatchStatus.PENDING).exists():
        if time.monotonic() > deadline:
            raise SystemExit("batches still pending after 10 minutes: see the worker log")
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    landed = Face.objects.count() - before
    return {"faces": landed, "seconds": seconds, "faces_per_s": landed / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--faces", type=int, default=8192)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    django_setup()
    log = ROOT / "var" / "bench" / "pipeline-worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    worker = start_worker(log)
    try:
        run_once(args.batch_size, args.batch_size)  # warm-up: the worker loads the decoder
        runs = [run_once(args.faces, args.batch_size) for _ in range(args.repeats)]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    rows = [[i + 1, r["faces"], r["seconds"], r["faces_per_s"]] for i, r in enumerate(runs)]
    rate = median([r["faces_per_s"] for r in runs])
    print(table(["run", "faces landed", "seconds", "faces/s"], rows))
    print(f"median: {rate:.0f} faces/s landed in PostgreSQL end to end with one worker")
    write_results(
        "pipeline",
        {"batch_size": args.batch_size, "runs": runs, "median_faces_per_s": rate},
        args.json,
    )


if __name__ == "__main__":
    main()
