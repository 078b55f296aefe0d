"""Offline check of the scorer heads on simulated tastes, without Django or a database.

    python -m generator.representation_eval [--faces 4000] [--labels 200,500,2000]
        [--repeats 2] [--flip 0.1] [--tastes all] [--model PATH] [--out var/bench/repr.json]

Draws --faces faces (equal shares at each of --temperatures, fixed seeds), rounds them to the
stored form (integer pixels, as Face.strokes holds them), computes every feature once (cached
under var/repr/), then for every taste of generator.tastes and every label count: labels a
random training set with the taste, flips --flip of the labels, trains each head variant on the
same faces and scores the held-out faces (every face not trained on). Reported per variant:
AUC against the noise-free taste, and the gap closed by keeping the top 37% of held-out faces
(share liked among them, minus the share among all, over the oracle's share minus that).

Variants (the ablation): "mlp" is the scorer as trained before the representation (MLP over
statistics + NLL + temperature, raster encoder from 1,500 labels); the linear head of
generator/scorer_linear.py with "stats" only (statistics, NLL, temperature), "repr" only (the
representation + temperature), "both", and "both-no-states" / "both-no-layout" to split the
representation's two parts.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import torch

from generator import features
from generator import strokes as stroke_formats
from generator.likelihood import drawing_nll_and_states
from generator.model import load_decoder
from generator.representation import STATE_WIDTH, represent
from generator.sampling import sample_faces
from generator.scorer import FeatureBatch, ScorerConfig, predict, train_scorer
from generator.scorer_metrics import weighted_auc
from generator.tastes import TASTES, tastes_judge

logger = logging.getLogger(__name__)

KEEP = 0.37  # keep 30% + explore 10% of the rest: the share the loop shows
VARIANTS = ("mlp", "stats", "repr", "both", "both-no-states", "both-no-layout")
_MIN_HELD = 1000  # held-out faces at least (fewer training faces if the pool is small)


def stored_form(drawings: list[np.ndarray], scale: float) -> list[np.ndarray]:
    """Round each normalised drawing to integer pixels and back, as storage does."""
    out = []
    for drawing in drawings:
        pixels = stroke_formats.stroke3_to_int16(stroke_formats.to_pixels(drawing, scale))
        normalised = pixels.astype(np.float32)
        normalised[:, :2] /= scale
        out.append(normalised)
    return out


def faces_with_features(args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Sample and featurise the faces once; cached in var/repr/ by their parameters."""
    temps = [float(t) for t in args.temperatures.split(",")]
    cache = Path(args.cache_dir) / f"faces-{args.faces}-{'-'.join(map(str, temps))}.npz"
    if cache.exists():
        data = np.load(cache, allow_pickle=True)
        return {name: data[name] for name in data.files}
    decoder = load_decoder(args.model)
    drawings: list[np.ndarray] = []
    temperature: list[float] = []
    per = args.faces // len(temps)
    for k, t in enumerate(temps):
        seeds = list(range(k * 1_000_000, k * 1_000_000 + per))
        drawings += stored_form(sample_faces(decoder, seeds, t), decoder.scale_factor)
        temperature += [t] * per
    started = time.perf_counter()
    nlls, pooled = drawing_nll_and_states(decoder, drawings)
    logger.info(
        "teacher-forced pass: %.1f faces/s", len(drawings) / (time.perf_counter() - started)
    )
    kept = np.empty(len(drawings), object)
    kept[:] = drawings
    data = {
        "drawings": kept,
        "temperature": np.asarray(temperature, np.float32),
        "stats": features.drawing_stats(drawings),
        "nll": features.nll_stats(nlls),
        "raster": features.raster(drawings),
        "repr": represent(pooled, drawings).astype(np.float16).astype(np.float32),
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **data)
    return data


def variant_batches(data: dict[str, np.ndarray], labels: int) -> dict[str, tuple]:
    """{variant: (config, FeatureBatch over every face)} for the ablation."""
    temp = data["temperature"].reshape(-1, 1)
    tab = np.concatenate([data["stats"], data["nll"], temp], axis=1)
    rep = data["repr"]
    no_states, no_layout = rep.copy(), rep.copy()
    no_states[:, :STATE_WIDTH] = 0.0  # a constant block adds nothing to a linear head
    no_layout[:, STATE_WIDTH:] = 0.0
    linear = ScorerConfig.for_representation()
    mlp = ScorerConfig(use_raster=labels >= 1500)  # as training chose it before
    return {
        "mlp": (mlp, FeatureBatch(tab, data["raster"] if mlp.use_raster else None)),
        "stats": (linear, FeatureBatch(tab, None, np.zeros_like(rep))),
        "repr": (linear, FeatureBatch(temp, None, rep)),
        "both": (linear, FeatureBatch(tab, None, rep)),
        "both-no-states": (linear, FeatureBatch(tab, None, no_states)),
        "both-no-layout": (linear, FeatureBatch(tab, None, no_layout)),
    }


def gap_closed(liked: np.ndarray, scores: np.ndarray) -> float:
    """(share liked in the top KEEP - share overall) / (oracle's share - share overall)."""
    keep = max(1, round(KEEP * len(liked)))
    shown = liked[np.argsort(-scores, kind="stable")[:keep]].mean()
    base = liked.mean()
    ceiling = min(1.0, liked.sum() / keep)
    return float((shown - base) / (ceiling - base)) if ceiling > base else float("nan")


def evaluate(data: dict[str, np.ndarray], args: argparse.Namespace) -> list[dict]:
    tastes = list(TASTES) if args.tastes == "all" else args.tastes.split(",")
    judged = tastes_judge(tastes, list(data["drawings"]))
    n = len(data["temperature"])
    rows: list[dict] = []
    for labels in [int(v) for v in args.labels.split(",")]:
        variants = variant_batches(data, labels)
        for taste in tastes:
            truth = judged[taste].astype(np.float64)
            for repeat in range(args.repeats):
                rng = np.random.default_rng([repeat, labels, len(rows)])
                order = rng.permutation(n)
                train = order[: min(labels, n - _MIN_HELD)]
                held = order[len(train) :]
                noisy = truth.copy()
                flip = rng.random(n) < args.flip
                noisy[flip] = 1.0 - noisy[flip]
                for name in args.variants.split(","):
                    config, batch = variants[name]
                    config = ScorerConfig.from_dict(config.as_dict())  # l2 chosen afresh
                    started = time.perf_counter()
                    net = train_scorer(
                        config, batch.take(train), noisy[train], np.ones(len(train)),
                        unlabelled=batch.take(held),
                    )  # fmt: skip
                    seconds = time.perf_counter() - started
                    scores = predict(net, batch.take(held))
                    rows.append({
                        "variant": name, "labels": len(train), "taste": taste,
                        "repeat": repeat, "seconds": seconds,
                        "auc": weighted_auc(truth[held], np.ones(len(held)), scores),
                        "gap_closed": gap_closed(truth[held], scores),
                    })  # fmt: skip
            logger.info("%d labels, %s done", labels, taste)
    return rows


def summary(rows: list[dict]) -> str:
    """Markdown table: per variant and label count, mean and worst (over tastes) AUC and gap."""
    lines = [
        "| variant | labels | mean AUC | worst AUC | mean gap closed | worst gap closed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    keys = sorted({(r["labels"], r["variant"]) for r in rows})
    for labels, variant in keys:
        mine = [r for r in rows if r["labels"] == labels and r["variant"] == variant]
        per_taste: dict[str, list[dict]] = {}
        for r in mine:
            per_taste.setdefault(r["taste"], []).append(r)
        auc = {t: np.mean([r["auc"] for r in rs]) for t, rs in per_taste.items()}
        gap = {t: np.nanmean([r["gap_closed"] for r in rs]) for t, rs in per_taste.items()}
        worst_auc, worst_gap = min(auc, key=auc.__getitem__), min(gap, key=gap.__getitem__)
        lines.append(
            f"| {variant} | {labels} | {np.mean(list(auc.values())):.3f} | "
            f"{auc[worst_auc]:.3f} ({worst_auc}) | {100 * np.mean(list(gap.values())):.0f}% | "
            f"{100 * gap[worst_gap]:.0f}% ({worst_gap}) |"
        )
    return "\n".join(lines)


def per_taste(rows: list[dict], variants: list[str], labels: int) -> str:
    """Markdown table of the gap closed per taste at one label count."""
    lines = ["| taste | " + " | ".join(variants) + " |", "|---" + "|---:" * len(variants) + "|"]
    for taste in dict.fromkeys(r["taste"] for r in rows):
        cells = []
        for v in variants:
            mine = [
                r["gap_closed"]
                for r in rows
                if (r["taste"], r["variant"], r["labels"]) == (taste, v, labels)
            ]
            cells.append(f"{100 * np.nanmean(mine):.0f}%" if mine else "")
        lines.append(f"| {taste} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=4000)
    parser.add_argument("--temperatures", default="0.15,0.3,0.45,0.6")
    parser.add_argument("--labels", default="200,500,2000")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--flip", type=float, default=0.1)
    parser.add_argument("--tastes", default="all")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--model", default="models/face.gen.json")
    parser.add_argument("--cache-dir", default="var/repr")
    parser.add_argument("--out", default="var/bench/representation.json")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    rows = evaluate(faces_with_features(args), args)
    report = summary(rows)
    top = max(int(v) for v in args.labels.split(","))
    low = min(int(v) for v in args.labels.split(","))
    variants = args.variants.split(",")
    report += f"\n\nGap closed per taste, {low} labels:\n\n" + per_taste(rows, variants, low)
    report += f"\n\nGap closed per taste, {top} labels:\n\n" + per_taste(rows, variants, top)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1))
    sys.stdout.write(report + "\n")


if __name__ == "__main__":
    main()
