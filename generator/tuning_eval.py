"""Offline check of generator tuning (issue #17) on the simulated tastes, without Django.

    python -m generator.tuning_eval --tastes all --seeds 3 --faces 2000 [--eval-faces 384]
        [--flip 0.1] [--method dpo] [--beta ...] [--lr ...] [--json var/bench/tuning.json]

Per seed: draws --faces base faces, equal shares at each of --temperatures (what the site
draws), rounded to the stored form (integer pixels, as Face.strokes holds them), and
--eval-faces fresh base faces from other seeds. Per taste of generator.tastes and seed: labels
the training faces with the taste, flips --flip of the labels (as simulated voters would),
tunes the base on them (generator.tuning), draws --eval-faces faces from the tuned decoder
with the fresh faces' seeds and temperatures, and checks the rails (generator.rails, base side
computed once). The taste suite stands for tastes nobody has written yet, so one setting of
the tuning runs every taste.

Reported per taste, medians over seeds: the base's and the tuned decoder's unfiltered liked
share, the target min(2 x base, base + (1 - base) / 2), met?, how many seeds passed the rails,
tuning seconds; then the worst taste (the least progress from base towards target).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from generator.model import SketchDecoder, load_decoder
from generator.quality import load_quickdraw
from generator.rails import RailsBaseline, RailsConfig, draw_spread, rails_baseline, rails_compare
from generator.representation_eval import stored_form
from generator.sampling import sample_faces
from generator.tastes import TASTES, tastes_judge
from generator.tuning import TuningConfig, VotedFaces, tune_decoder, tune_prepared

logger = logging.getLogger(__name__)

_TRAIN_SEEDS = 10_000_000  # seed s draws its training faces from (s + 1) * this
_EVAL_SEEDS = 500_000_000  # ... and its fresh faces from this + s * _TRAIN_SEEDS


def target_share(base: float) -> float:
    """The issue's bar: double the base's share, or half its gap to 100%, the smaller."""
    return min(2.0 * base, base + (1.0 - base) / 2.0)


def spread_temperatures(count: int, temperatures: list[float]) -> np.ndarray:
    """(count,) the temperature of each face :func:`generator.rails.draw_spread` draws."""
    bounds = np.linspace(0, count, len(temperatures) + 1).round().astype(int)
    return np.repeat(temperatures, np.diff(bounds)).astype(np.float32)


def seed_faces(
    decoder: SketchDecoder, seed: int, args: argparse.Namespace
) -> dict[str, np.ndarray]:
    """The training and fresh base faces of one seed; cached under --cache-dir."""
    temps = [float(t) for t in args.temperatures.split(",")]
    name = f"seed{seed}-{args.faces}-{args.eval_faces}-{'-'.join(map(str, temps))}.npz"
    cache = Path(args.cache_dir) / name
    if cache.exists():
        data = np.load(cache, allow_pickle=True)
        return {key: data[key] for key in data.files}
    train = draw_spread(decoder, args.faces, temps, (seed + 1) * _TRAIN_SEEDS)
    fresh = draw_spread(decoder, args.eval_faces, temps, _EVAL_SEEDS + seed * _TRAIN_SEEDS)
    data = {
        "train": _objects(stored_form(train, decoder.scale_factor)),
        "train_temperature": spread_temperatures(args.faces, temps),
        "fresh": _objects(fresh),
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **data)
    return data


def _objects(drawings: list[np.ndarray]) -> np.ndarray:
    out = np.empty(len(drawings), object)
    out[:] = drawings
    return out


def tuning_config(args: argparse.Namespace, seed: int) -> TuningConfig:
    """TuningConfig from the command line (every field is an option), with the run's seed."""
    given = {f.name: getattr(args, f.name) for f in fields(TuningConfig) if f.name != "seed"}
    return TuningConfig(**{k: v for k, v in given.items() if v is not None}, seed=seed)


def run_one(
    decoder: SketchDecoder,
    voted: VotedFaces,
    truth: np.ndarray,
    baseline: RailsBaseline,
    seed: int,
    taste_index: int,
    args: argparse.Namespace,
) -> dict:
    """Tune on one taste's noisy votes for one seed; the row of the results."""
    rng = np.random.default_rng([seed, taste_index])
    votes = truth ^ (rng.random(len(truth)) < args.flip)  # (N,) what voters said
    result = tune_prepared(
        decoder,
        voted.take(np.flatnonzero(votes)),
        voted.take(np.flatnonzero(~votes)),
        config=tuning_config(args, seed),
    )
    temperatures = [float(t) for t in args.temperatures.split(",")]
    fresh = draw_spread(
        result.decoder, args.eval_faces, temperatures, _EVAL_SEEDS + seed * _TRAIN_SEEDS
    )
    taste = list(TASTES)[taste_index]
    rails = rails_compare(baseline, result.decoder)
    return {
        "taste": taste,
        "seed": seed,
        "votes_liked": float(votes.mean()),
        "tuned": float(tastes_judge([taste], fresh)[taste].mean()),
        "rails": rails.passed,
        "rails_report": rails.as_dict(),
        "rails_summary": rails.summary(),
        "train_seconds": result.seconds,
        "metrics": result.metrics,
    }


def evaluate(args: argparse.Namespace) -> list[dict]:
    decoder = load_decoder(args.model)
    tastes = list(TASTES) if args.tastes == "all" else args.tastes.split(",")
    human = load_quickdraw(args.human, decoder.scale_factor)
    rails_config = RailsConfig(samples=args.rails_samples)
    baseline = rails_baseline(decoder, human, config=rails_config)
    rows: list[dict] = []
    bar = tqdm(total=len(tastes) * args.seeds, unit="run", file=sys.stderr, disable=None)
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        data = seed_faces(decoder, seed, args)
        truth = tastes_judge(tastes, list(data["train"]))
        base_fresh = tastes_judge(tastes, list(data["fresh"]))
        # Every taste votes on the same faces: the base reads them once (what tune_decoder
        # does first); its time is added to each run's, as a real round pays it.
        started = time.perf_counter()
        voted = VotedFaces.of(
            decoder, list(data["train"]), data["train_temperature"].tolist(),
            tuning_config(args, seed),
        )  # fmt: skip
        read_seconds = time.perf_counter() - started
        for taste in tastes:
            row = run_one(
                decoder, voted, truth[taste], baseline, seed, list(TASTES).index(taste), args
            )
            row["base"] = float(base_fresh[taste].mean())
            row["seconds"] = row["train_seconds"] + read_seconds
            rows.append(row)
            logger.info("%s seed %d: base %.3f tuned %.3f (%.0f s) %s", taste, seed, row["base"],
                        row["tuned"], row["seconds"], row["rails_summary"])  # fmt: skip
            if args.json:  # after every run: a long evaluation stopped early keeps its rows
                Path(args.json).parent.mkdir(parents=True, exist_ok=True)
                Path(args.json).write_text(json.dumps({"args": vars(args), "rows": rows}))
            bar.update()
    bar.close()
    return rows


def summary(rows: list[dict]) -> tuple[str, list[dict]]:
    """Markdown table, medians over seeds per taste, and the per-taste records."""
    lines = [
        "| taste | base | tuned | target | met | rails passed | tuning s |",
        "|---|---:|---:|---:|:-:|---:|---:|",
    ]
    per_taste = []
    for taste in dict.fromkeys(r["taste"] for r in rows):
        mine = [r for r in rows if r["taste"] == taste]
        base = statistics.median(r["base"] for r in mine)
        tuned = statistics.median(r["tuned"] for r in mine)
        target = target_share(base)
        record = {
            "taste": taste,
            "base": base,
            "tuned": tuned,
            "target": target,
            "met": tuned >= target,
            "rails": sum(r["rails"] for r in mine),
            "seeds": len(mine),
            "progress": (tuned - base) / max(target - base, 1e-9),
            "seconds": statistics.median(r["seconds"] for r in mine),
        }
        per_taste.append(record)
        lines.append(
            f"| {taste} | {base:.1%} | {tuned:.1%} | {target:.1%} | "
            f"{'yes' if record['met'] else 'NO'} | {record['rails']}/{len(mine)} | "
            f"{record['seconds']:.0f} |"
        )
    worst = min(per_taste, key=lambda r: r["progress"])
    met = sum(r["met"] for r in per_taste)
    lines.append(
        f"\nTarget met for {met}/{len(per_taste)} tastes; worst: {worst['taste']} "
        f"({worst['tuned']:.1%} against target {worst['target']:.1%}, "
        f"{worst['progress']:.0%} of the way from base)."
    )
    return "\n".join(lines), per_taste


def speed(args: argparse.Namespace) -> str:
    """Tune on the first taste, seed --first-seed, at --threads; then faces/s of base and tuned
    decoders, batch 256, alternating runs (the same architecture should sample as fast)."""
    decoder = load_decoder(args.model)
    data = seed_faces(decoder, args.first_seed, args)
    taste = (list(TASTES) if args.tastes == "all" else args.tastes.split(","))[0]
    truth = tastes_judge([taste], list(data["train"]))[taste]
    votes = truth ^ (np.random.default_rng(0).random(len(truth)) < args.flip)
    faces, temps = list(data["train"]), data["train_temperature"]
    result = tune_decoder(
        decoder,
        [f for f, v in zip(faces, votes, strict=True) if v],
        [f for f, v in zip(faces, votes, strict=True) if not v],
        config=tuning_config(args, args.first_seed),
        liked_temperatures=temps[votes].tolist(),
        disliked_temperatures=temps[~votes].tolist(),
    )
    rates: dict[str, list[float]] = {"base": [], "tuned": []}
    seeds = range(_EVAL_SEEDS, _EVAL_SEEDS + args.eval_faces)
    for _ in range(3):
        for name, model in (("base", decoder), ("tuned", result.decoder)):
            started = time.perf_counter()
            drawn = sample_faces(model, seeds, 0.4, batch_size=256)
            rates[name].append(len(drawn) / (time.perf_counter() - started))
    return (
        f"tuning {len(faces)} faces ({taste}, {args.threads} threads): {result.seconds:.1f} s; "
        + "; ".join(
            f"{name} {statistics.median(r):.1f} faces/s (runs {', '.join(f'{x:.0f}' for x in r)})"
            for name, r in rates.items()
        )
        + f"; load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tastes", default="all")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first..first+seeds-1")
    parser.add_argument(
        "--merge", nargs="+", default=None, help="print the table of these --json files' rows"
    )
    parser.add_argument("--faces", type=int, default=2000)
    parser.add_argument("--eval-faces", type=int, default=384)
    parser.add_argument("--rails-samples", type=int, default=RailsConfig.samples)
    parser.add_argument("--temperatures", default="0.15,0.3,0.45,0.6")
    parser.add_argument("--flip", type=float, default=0.1)
    for f in fields(TuningConfig):  # every tuning knob, default: TuningConfig's
        if f.name != "seed":
            kind = (lambda s: s.lower() in ("1", "true", "yes")) if f.type == "bool" else None
            parser.add_argument(f"--{f.name.replace('_', '-')}", default=None,
                                type=kind or type(f.default))  # fmt: skip
    parser.add_argument("--model", default="models/face.gen.json")
    parser.add_argument("--human", default="../shared/data/quickdraw_face_sample.ndjson")
    parser.add_argument("--cache-dir", default="var/tuning_eval")
    parser.add_argument("--json", default=None, help="also write every row here")
    parser.add_argument("--speed", action="store_true", help="time tuning and sampling only")
    parser.add_argument("--threads", type=int, default=1)  # 2 spin-wait on a busy machine
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    if args.speed:
        sys.stdout.write(speed(args) + "\n")
        return
    if args.merge:  # seeds run as separate processes, one table
        rows = [row for path in args.merge for row in json.loads(Path(path).read_text())["rows"]]
    else:
        rows = evaluate(args)
    table, per_taste = summary(rows)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        report: dict[str, object] = {
            "args": vars(args),
            "config": asdict(tuning_config(args, 0)),
            "rows": rows,
            "per_taste": per_taste,
            "seconds": time.perf_counter() - started,
        }
        Path(args.json).write_text(json.dumps(report, indent=1))
    sys.stdout.write(table + "\n")


if __name__ == "__main__":
    main()
