"""End-to-end generation throughput: faces landed in PostgreSQL by one real Celery worker.

    python -m bench.pipeline [--faces 8192] [--batch-size 256] [--repeats 3]
                             [--filter on,off] [--core]

Starts one worker (concurrency 1: a single process using the machine's cores through torch),
enqueues batches as the beat tick does, and times from the first enqueue until every batch is
done (drawn, scored by the active filter, inserted in one transaction). Runs against
DATABASE_URL / REDIS_URL; the faces it adds stay (they are real faces).

--filter on,off alternates runs with the admission filter switched on and off (the moderators'
switch, GenerationSettings.filter_enabled; "on" scores with the active scorer, so the database
needs one: `manage.py simulate_voters` leaves one) and puts the switch back at the end.
--core also times the sampler alone in this process, between the worker's runs (the worker
idle), at the same batch size and float32: issue 18's "core rate", and each mode's share of it.
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


def core_once(faces: int, batch_size: int) -> dict[str, float]:
    """The sampler alone (float32, this process, torch's threads as the worker's)."""
    import torch
    from django.conf import settings

    from facegallery.core.decoders import decoder_get
    from generator.sampling import sample_faces

    if settings.TORCH_THREADS:
        torch.set_num_threads(settings.TORCH_THREADS)
    decoder = decoder_get(settings.GENERATOR_MODEL_NAME)
    started = time.perf_counter()
    sample_faces(decoder, range(faces), 0.25, batch_size=batch_size)
    seconds = time.perf_counter() - started
    return {"faces": faces, "seconds": seconds, "faces_per_s": faces / seconds}


def filter_set(mode: str) -> None:
    from facegallery.gallery.models import GenerationSettings

    GenerationSettings.objects.update(filter_enabled=mode == "on")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--faces", type=int, default=8192)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--filter", default="", help="modes to alternate: on,off (default: as set)")
    parser.add_argument("--core", action="store_true", help="also time the sampler alone")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    modes = [m for m in args.filter.split(",") if m] or ["as set"]
    if not set(modes) <= {"on", "off", "as set"}:
        raise SystemExit(f"--filter takes on and off, got {args.filter!r}")
    django_setup()
    from facegallery.gallery.models import GenerationSettings

    saved = GenerationSettings.current().filter_enabled
    log = ROOT / "var" / "bench" / "pipeline-worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    worker = start_worker(log)
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    if args.core:
        runs["core (sampler alone)"] = []
    try:
        run_once(args.batch_size, args.batch_size)  # warm-up: the worker loads the decoder
        for _ in range(args.repeats):
            for mode in modes:  # alternating, so the machine's drift falls on every mode
                if mode != "as set":
                    filter_set(mode)
                runs[mode].append(run_once(args.faces, args.batch_size))
            if args.core:
                runs["core (sampler alone)"].append(core_once(args.faces, args.batch_size))
    finally:
        GenerationSettings.objects.update(filter_enabled=saved)
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    rates = {mode: median([r["faces_per_s"] for r in done]) for mode, done in runs.items()}
    core = rates.get("core (sampler alone)")
    rows = [
        [mode, " / ".join(f"{r['faces_per_s']:.0f}" for r in runs[mode]), rate,
         f"{100 * rate / core:.0f}%" if core else "-"]
        for mode, rate in rates.items()
    ]  # fmt: skip
    print(table(["filter", "faces/s (each run)", "median faces/s", "of the core"], rows))
    write_results(
        "pipeline",
        {"batch_size": args.batch_size, "faces": args.faces, "runs": runs, "medians": rates},
        args.json,
    )


if __name__ == "__main__":
    main()
