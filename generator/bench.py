"""Sampling benchmark: faces/s, face-steps/s, GFLOP/s and peak RSS per (batch, threads, dtype).

Each timed run happens in a fresh subprocess (``python -m generator.bench CONFIG_JSON``) so its
thread count is set before torch starts and its peak RSS (``ru_maxrss``) is its own; torch
allocates outside Python's heap, so tracemalloc would miss nearly all of it. The precisions
(dtypes) of one (batch, threads) pair take turns, one run each, ``repeats`` times over, so a
busy spell on a shared machine slows them alike; timings are the median of a dtype's runs, each
after a short warm-up at the same batch size.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

HIDDEN, INPUTS, OUTPUTS = 512, 5, 123
# The two matmuls of one face-step, 2 flops per multiply-add: [x, h] @ W (517 x 2048) and the
# head h @ W_out (512 x 123). Elementwise work is ignored (under 1% of the flops).
FLOPS_PER_FACE_STEP = 2 * (INPUTS + HIDDEN) * 4 * HIDDEN + 2 * HIDDEN * OUTPUTS
JS_DIR = Path("tools/magenta-js")


@dataclass(frozen=True)
class BenchConfig:
    model: str  # path to the .gen.json
    batch_size: int
    threads: int
    faces: int  # faces per timed run
    repeats: int
    temperature: float
    dtype: str = "float32"  # sampling precision (generator.precision), "auto" resolved first


@dataclass(frozen=True)
class BenchResult:
    batch_size: int
    threads: int
    faces: int
    faces_per_s: float  # median over repeats
    face_steps_per_s: float  # LSTM steps of live faces per second (padding rows not counted)
    gflops: float  # achieved: face_steps_per_s * FLOPS_PER_FACE_STEP
    mean_steps: float  # LSTM steps per face, the end-state step included
    peak_rss_mb: float  # peak resident set size of the whole process (torch included)
    seconds: list[float]  # wall time of each repeat
    cpu_per_wall: float  # process CPU time / wall time (median): below `threads` = contention
    dtype: str = "float32"  # the resolved sampling precision: "float32" or "bfloat16"


def default_faces(batch_size: int) -> int:
    """Faces per run: two working batches (so slot refill is exercised), at least 8."""
    return max(8, 2 * batch_size)


def run_config(config: BenchConfig) -> BenchResult:
    """Time sampling in this process (the subprocess side of :func:`measure`)."""
    import torch

    from generator.model import load_decoder
    from generator.precision import resolve_precision
    from generator.sampling import sample_faces

    torch.set_num_threads(config.threads)
    decoder = load_decoder(config.model)
    dtype = resolve_precision(config.dtype)
    seeds = range(config.faces)
    # Warm-up: a few steps at the timed batch size, so MKL's and oneDNN's first-call setup (and
    # the bfloat16 gate shift, computed once per decoder) are not timed.
    warm = range(min(config.faces, config.batch_size))
    sample_faces(
        decoder,
        warm,
        config.temperature,
        batch_size=config.batch_size,
        max_seq_len=8,
        precision=dtype,
    )
    seconds, cpu_ratios, steps = [], [], 0
    for _ in range(config.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        faces = sample_faces(
            decoder, seeds, config.temperature, batch_size=config.batch_size, precision=dtype
        )
        seconds.append(time.perf_counter() - start)
        cpu_ratios.append((time.process_time() - cpu_start) / seconds[-1])
        # A face that ended took one more step (the end state) than it has points.
        steps = sum(min(len(f) + 1, decoder.max_seq_len) for f in faces)
    median = statistics.median(seconds)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return BenchResult(
        batch_size=config.batch_size,
        threads=config.threads,
        dtype=dtype,
        faces=config.faces,
        faces_per_s=config.faces / median,
        face_steps_per_s=steps / median,
        gflops=steps / median * FLOPS_PER_FACE_STEP / 1e9,
        mean_steps=steps / config.faces,
        peak_rss_mb=rss_kb / 1024,
        seconds=seconds,
        cpu_per_wall=statistics.median(cpu_ratios),
    )


def measure(config: BenchConfig, timeout_s: float = 600) -> BenchResult:
    """Run one configuration in a fresh Python subprocess with its own thread count."""
    env = dict(os.environ)
    # Set before torch starts: its OpenMP / MKL pools read these at import.
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(config.threads)
    proc = subprocess.run(
        [sys.executable, "-m", "generator.bench", json.dumps(asdict(config))],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout_s,
        check=False,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"bench worker {asdict(config)} failed: {tail[0]}")
    return BenchResult(**json.loads(proc.stdout.strip().splitlines()[-1]))


def run_bench(
    model: str,
    batch_sizes: Sequence[int],
    threads: Sequence[int],
    *,
    dtypes: Sequence[str] = ("float32",),
    repeats: int = 3,
    temperature: float = 0.25,
    faces: int | None = None,
    on_result: Callable[[BenchResult], object] | None = None,
) -> list[BenchResult]:
    """Every (threads, batch size, dtype); ``on_result`` after each configuration.

    The dtypes of one (threads, batch size) pair alternate, one subprocess and one timed run
    each, until each has ``repeats`` runs (see the module docstring).
    """
    results = []
    for thread_count in threads:
        for batch in batch_sizes:
            count = faces if faces is not None else default_faces(batch)
            runs: dict[str, list[BenchResult]] = {dtype: [] for dtype in dtypes}
            for _ in range(repeats):
                for dtype in dtypes:
                    config = BenchConfig(model, batch, thread_count, count, 1, temperature, dtype)
                    runs[dtype].append(measure(config))
            for dtype in dtypes:
                result = merge_runs(runs[dtype])
                logger.info(
                    "batch %d, %d threads, %s: %.1f faces/s",
                    batch,
                    thread_count,
                    result.dtype,
                    result.faces_per_s,
                )
                results.append(result)
                if on_result is not None:
                    on_result(result)
    return results


def merge_runs(runs: Sequence[BenchResult]) -> BenchResult:
    """One result from single-run results of one configuration: medians, the largest RSS."""
    first = runs[0]
    seconds = [s for run in runs for s in run.seconds]
    median = statistics.median(seconds)
    steps = first.mean_steps * first.faces  # the same seeds every run: the same faces
    return BenchResult(
        batch_size=first.batch_size,
        threads=first.threads,
        dtype=first.dtype,
        faces=first.faces,
        faces_per_s=first.faces / median,
        face_steps_per_s=steps / median,
        gflops=steps / median * FLOPS_PER_FACE_STEP / 1e9,
        mean_steps=first.mean_steps,
        peak_rss_mb=max(run.peak_rss_mb for run in runs),
        seconds=seconds,
        cpu_per_wall=statistics.median(run.cpu_per_wall for run in runs),
    )


def format_table(results: Sequence[BenchResult]) -> str:
    """Markdown table, one row per configuration; "vs float32" compares faces/s with the
    float32 row of the same batch size and threads. faces/CPU-s divides by the process's CPU
    time instead of the wall time: steadier on a shared machine (run with
    OMP_WAIT_POLICY=PASSIVE so that idle OpenMP threads do not spin and count as work)."""
    float32 = {(r.batch_size, r.threads): r.faces_per_s for r in results if r.dtype == "float32"}
    header = (
        "| batch | threads | dtype | faces | faces/s | vs float32 | faces/CPU-s | face-steps/s "
        "| GFLOP/s | steps/face | peak RSS MB | CPU/wall |",
        "|------:|--------:|:------|------:|--------:|-----------:|------------:|-------------:"
        "|--------:|-----------:|------------:|---------:|",
    )
    rows = []
    for r in results:
        base = float32.get((r.batch_size, r.threads))
        ratio = f"{r.faces_per_s / base:9.2f}x" if base else f"{'-':>10}"
        rows.append(
            f"| {r.batch_size:5d} | {r.threads:7d} | {r.dtype:<8} | {r.faces:5d} "
            f"| {r.faces_per_s:7.1f} | {ratio} | {r.faces_per_s / r.cpu_per_wall:11.1f} "
            f"| {r.face_steps_per_s:12.0f} | {r.gflops:7.1f} "
            f"| {r.mean_steps:10.1f} | {r.peak_rss_mb:11.0f} | {r.cpu_per_wall:8.2f} |"
        )
    return "\n".join([*header, *rows])


def js_baseline(model: str, temperature: float, n: int = 20) -> dict:
    """Faces/s of @magenta/sketch via tools/magenta-js/bench.mjs, or ``{"skipped": reason}``."""
    node = shutil.which("node")
    if node is None:
        return {
            "skipped": "node not found: install Node.js, then `npm ci --prefix tools/magenta-js`"
        }
    if not (JS_DIR / "node_modules").is_dir() or not (JS_DIR / "bench.mjs").is_file():
        return {"skipped": f"{JS_DIR}/node_modules missing: run `npm ci --prefix {JS_DIR}`"}
    cmd = [node, str(JS_DIR / "bench.mjs"), "--model", model, "--n", str(n)]
    cmd += ["--temperature", str(temperature)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"skipped": f"bench.mjs failed (exit {proc.returncode}): {tail}"}
        return json.loads(lines[-1])
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as err:
        return {"skipped": f"bench.mjs failed: {err}"}


def machine_info() -> dict:
    """What the numbers were measured on; the load average flags a busy machine."""
    import torch

    return {
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_average_1m": os.getloadavg()[0],
    }


def _worker_main(argv: list[str]) -> int:
    config = BenchConfig(**json.loads(argv[0]))
    result = run_config(config)
    sys.stdout.write(json.dumps(asdict(result)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(_worker_main(sys.argv[1:]))
