"""Where a generation batch's time goes: face_generate_batch's stages, timed in this process.

    python -m bench.pipeline_stages [--batch-size 1024] [--batches 4] [--json PATH]

Runs face_generate_batch (the worker's task body) on DATABASE_URL in this process, with
each stage wrapped in a timer (wall and CPU seconds, all of torch's threads counted), after
one warm-up batch; then the sampler alone (sample_faces, no NLL or states) on as many faces,
issue 18's "core". With an active scorer (`manage.py simulate_voters` leaves one) the filter
runs, so the sampler also pools the decoder states. The faces it draws stay.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable

from bench.common import django_setup, table, write_results

# (module, function) pairs face_generate_batch calls, by the name it calls them through.
STAGES = {
    "generator.sampling": ["sample_faces_with_states", "sample_faces_with_nll"],
    "facegallery.scoring.services.features": [
        "nll_cache_store",
        "normalised_drawings",
        "representation_cache_store",
    ],
    "facegallery.generation.services.batches": [
        "stored_strokes",
        "admission_decide",
        "face_build",
        "faces_insert",
    ],
}


def timed(function: Callable, name: str, wall: dict[str, float], cpu: dict[str, float]) -> Callable:
    def wrapper(*args, **kwargs):
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            wall[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - cpu_started

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--json", default=None, help="results path (default var/bench/)")
    args = parser.parse_args()
    django_setup()
    import importlib

    import torch
    from django.conf import settings
    from django.utils import timezone

    from facegallery.core.decoders import decoder_get
    from facegallery.gallery.models import GenerationBatch
    from facegallery.generation.services.batches import face_generate_batch, generator_model_get
    from generator.sampling import sample_faces

    if settings.TORCH_THREADS:
        torch.set_num_threads(settings.TORCH_THREADS)
    wall: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    for module_name, names in STAGES.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, timed(getattr(module, name), name, wall, cpu))
    generator = generator_model_get()

    def one_batch() -> None:
        batch = GenerationBatch.objects.create(
            generator=generator, count=args.batch_size, temperature=0.25,
            dispatched_at=timezone.now(),
        )  # fmt: skip
        face_generate_batch(batch_id=batch.pk, sampler_batch_size=args.batch_size)

    one_batch()  # warm-up: the decoder, the scorer, the connections
    wall.clear()
    cpu.clear()
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.batches):
        one_batch()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    faces = args.batch_size * args.batches
    core_started = time.perf_counter()
    decoder = decoder_get(settings.GENERATOR_MODEL_NAME)
    sample_faces(decoder, range(faces), 0.25, batch_size=args.batch_size)
    core = time.perf_counter() - core_started
    per = args.batches
    rows = [[name, wall[name] / per, cpu[name] / per, f"{wall[name] / seconds:.1%}"]
            for name in sorted(wall, key=wall.__getitem__, reverse=True)]  # fmt: skip
    rest = seconds - sum(wall.values())
    rows.append(["(the rest: ORM, transaction)", rest / per, "-", f"{rest / seconds:.1%}"])
    rows.append(["whole batch", seconds / per, cpu_seconds / per, "100%"])
    rows.append(["core: sample_faces alone", core / per, "-", f"{core / seconds:.1%}"])
    print(table(["stage", "wall s/batch", "CPU s/batch", "share of the batch"], rows))
    print(
        f"{faces / seconds:.0f} faces/s through face_generate_batch, {faces / core:.0f} faces/s "
        f"for the sampler alone: {core / seconds:.0%} of the core"
    )
    results = {"batch_size": args.batch_size, "batches": args.batches, "seconds": seconds}
    results |= {"stages": dict(wall), "cpu": dict(cpu), "core_seconds": core}
    print(f"results: {write_results('pipeline_stages', results, args.json)}")


if __name__ == "__main__":
    main()
