"""Scorer benchmarks: training time on N voted faces, and scoring speed (faces/s).

    .venv/bin/python -m bench.scoring [--faces 100000] [--unique 1000] [--runs 3] [--threads 2]
        [--no-mlp]

Real drawings from the face model (--unique of them, sampled once at mixed temperatures) are
tiled to --faces rows; labels follow the "many-strokes" taste with 10% of votes flipped. Pure
generator code: no database (the label query and Face row decoding are measured as
"decode stored strokes"). Both heads are measured: the MLP (with and without the raster
encoder; --no-mlp skips it) and the linear head over the learned representation
(generator/scorer_linear.py), whose representation comes from a teacher-forced decoder pass
(measured) and is then cached. Every figure is the median of --runs runs. Results: table + JSON
(var/bench/scoring.json).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from bench.common import median, table, write_results
from generator import features
from generator import strokes as stroke_formats
from generator.likelihood import drawing_nll, drawing_nll_and_states
from generator.model import load_decoder
from generator.packing_batch import unpack_many
from generator.representation import represent
from generator.sampling import sample_faces
from generator.scorer import FeatureBatch, ScorerConfig, predict, train_scorer
from generator.tastes import taste_likes

MODEL = Path(__file__).resolve().parent.parent / "models" / "face.gen.json"


CPU_TIMES: list[float] = []  # per _timed call: median process CPU seconds, all threads

T = TypeVar("T")


def _timed(fn: Callable[[], T], runs: int) -> tuple[float, T]:
    """Median wall seconds of `runs` calls (and the last result). The median CPU seconds go to
    CPU_TIMES: on a machine shared with other work, wall time overstates the cost, and CPU
    time / threads is what the step would take with the cores to itself."""
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    CPU_TIMES.append(median(cpu))
    # Progress on stderr: on a busy machine a full run takes minutes.
    print(f"  ... {fn.__name__}: {', '.join(f'{t:.2f}' for t in times)} s", file=sys.stderr)
    return median(times), result


def _bench_scorer(config: ScorerConfig, batch: FeatureBatch, labels: np.ndarray, args):
    weights = np.ones(len(labels))
    t_train, net = _timed(lambda: train_scorer(config, batch, labels, weights), args.runs)
    t_score, _ = _timed(lambda: predict(net, batch), args.runs)
    return t_train, t_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--unique", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default=str(MODEL), help="the face.gen.json to draw with")
    parser.add_argument("--no-mlp", action="store_true", help="measure the linear head only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    decoder = load_decoder(args.model)
    temps = np.round(np.linspace(0.15, 0.6, 4), 2)
    per_temp = args.unique // len(temps)
    drawings, temperature = [], []
    for t in temps:
        drawings += sample_faces(decoder, list(range(per_temp)), float(t))
        temperature += [float(t)] * per_temp
    # The stored form: rounded pixels, as Face.strokes holds them.
    scale = decoder.scale_factor
    stored = [
        stroke_formats.stroke3_to_bytes(stroke_formats.stroke3_to_int16(d * [scale, scale, 1]))
        for d in drawings
    ]
    tile = np.arange(args.faces) % len(stored)
    rows = []

    def decode():
        out = []
        for pixels in unpack_many([stored[k] for k in tile]):
            d = pixels.astype(np.float32)
            d[:, :2] /= scale
            out.append(d)
        return out

    t_decode, decoded = _timed(decode, args.runs)
    unique_norm = decoded[: len(stored)]
    all_norm = [unique_norm[k] for k in tile]
    rows.append(("decode stored strokes", args.faces, t_decode, args.faces / t_decode))
    t_feat, (stats, ras) = _timed(lambda: features.featurize(all_norm), args.runs)
    rows.append(("drawing stats + raster", args.faces, t_feat, args.faces / t_feat))
    nll_n = min(512, len(unique_norm))
    t_nll, _ = _timed(lambda: drawing_nll(decoder, unique_norm[:nll_n]), args.runs)
    rows.append(("generator NLL (decoder pass)", nll_n, t_nll, nll_n / t_nll))
    nll_unique = features.nll_stats(drawing_nll(decoder, unique_norm))
    tab = np.concatenate(
        [stats, nll_unique[tile], np.asarray(temperature, np.float32)[tile, None]], axis=1
    )
    flip = np.random.default_rng(0).random(args.faces) < 0.1
    labels = (taste_likes("many-strokes", unique_norm)[tile] ^ flip).astype(np.float64)
    results: dict[str, Any] = {}
    _bench_linear(decoder, unique_norm, tile, tab, labels, rows, results, args)
    if args.no_mlp:
        _report(rows, results, args)
        return
    for name, use_raster in (("tabular MLP", False), ("tabular + raster encoder", True)):
        batch = FeatureBatch(tab, ras if use_raster else None)
        t_train, t_score = _bench_scorer(ScorerConfig(use_raster=use_raster), batch, labels, args)
        rows.append((f"train, {name}", args.faces, t_train, args.faces / t_train))
        rows.append((f"score cached features, {name}", args.faces, t_score, args.faces / t_score))
        results[name] = {"train_s": t_train, "score_faces_per_s": args.faces / t_score}
    n = min(4096, args.faces)
    config = ScorerConfig(use_raster=True, epochs=1)
    net = train_scorer(config, FeatureBatch(tab[:n], ras[:n]), labels[:n], np.ones(n))

    def end_to_end():
        s, r = features.featurize(all_norm[:n])
        t = np.concatenate([s, nll_unique[tile[:n]], tab[:n, -1:]], axis=1)
        return predict(net, FeatureBatch(t, r))

    t_e2e, _ = _timed(end_to_end, args.runs)
    rows.append(("score from strokes (stats, raster, MLP), NLL cached", n, t_e2e, n / t_e2e))
    results["end_to_end_nll_cached_faces_per_s"] = n / t_e2e
    results["nll_faces_per_s"] = nll_n / t_nll
    _report(rows, results, args)


def _bench_linear(decoder, unique_norm, tile, tab, labels, rows, results, args) -> None:
    """The linear head: the representation's decoder pass, training, scoring."""
    rep_n = min(512, len(unique_norm))

    def representation(drawings):
        return represent(drawing_nll_and_states(decoder, drawings)[1], drawings)

    t_rep, _ = _timed(lambda: representation(unique_norm[:rep_n]), args.runs)
    rows.append(("representation (decoder pass + NLL)", rep_n, t_rep, rep_n / t_rep))
    rep = representation(unique_norm).astype(np.float16).astype(np.float32)[tile]  # as cached
    batch = FeatureBatch(tab, None, rep)
    unlabelled = batch.take(np.arange(min(2000, len(tab))))  # training's recent draws
    weights = np.ones(len(labels))
    t_train, net = _timed(
        lambda: train_scorer(
            ScorerConfig.for_representation(), batch, labels, weights, unlabelled=unlabelled
        ),
        args.runs,
    )
    rows.append(("train, linear head (stats + repr)", args.faces, t_train, args.faces / t_train))
    t_score, _ = _timed(lambda: predict(net, batch), args.runs)
    rows.append(("score cached features, linear head", args.faces, t_score, args.faces / t_score))
    n = min(4096, args.faces)
    strokes = [unique_norm[k] for k in tile[:n]]

    def end_to_end():
        # What admission does once the NLL and representation rows are cached: statistics
        # from the strokes, the cached rows, the head (the database read is not timed here).
        stats = features.drawing_stats(strokes)
        t = np.concatenate([stats, tab[:n, len(features.STAT_NAMES) :]], axis=1)
        return predict(net, FeatureBatch(t, None, rep[:n]))

    t_e2e, _ = _timed(end_to_end, args.runs)
    rows.append(("score from strokes (stats, linear head), NLL + repr cached", n, t_e2e, n / t_e2e))
    results["linear"] = {
        "train_s": t_train,
        "score_faces_per_s": args.faces / t_score,
        "end_to_end_cached_faces_per_s": n / t_e2e,
        "representation_faces_per_s": rep_n / t_rep,
    }


def _report(rows, results, args) -> None:
    with_cpu = [(*row, cpu, row[1] / cpu) for row, cpu in zip(rows, CPU_TIMES, strict=True)]
    load = os.getloadavg()[0]
    print(f"threads {args.threads}, load average at the end {load:.1f} on {os.cpu_count()} cores")
    print(table(["step", "faces", "median wall s", "faces/s", "CPU s", "faces/CPU s"], with_cpu))
    results["load_average"] = load
    results["rows"] = [list(r) for r in with_cpu]
    results["settings"] = vars(args)
    print(write_results("scoring", results))


if __name__ == "__main__":
    main()
