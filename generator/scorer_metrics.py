"""Held-out metrics of a scorer for weighted soft labels: AUC, log-loss and calibration error.

Each face i has a soft label y_i in [0, 1] (its share of interesting votes), a weight w_i and a
predicted probability p_i. A face counts as y_i w_i of a positive and (1 - y_i) w_i of a
negative, so a face with 3 of 4 interesting votes is three quarters a positive example.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

_CLIP = 1e-6


@dataclass(frozen=True)
class Metrics:
    auc: float  # probability that a random positive outscores a random negative (ties: 1/2)
    log_loss: float  # weighted mean cross-entropy, nats
    calibration_error: float  # expected calibration error over 10 equal-width bins
    faces: int

    def as_dict(self) -> dict:
        return asdict(self)


def weighted_auc(y: np.ndarray, w: np.ndarray, p: np.ndarray) -> float:
    """AUC with fractional positives and negatives; NaN when either class has no mass."""
    y, w, p = (np.asarray(a, np.float64) for a in (y, w, p))
    pos, neg = y * w, (1.0 - y) * w
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos <= 0 or total_neg <= 0:
        return float("nan")
    # Group equal scores (ties count one half). A negative in group g is correctly ranked
    # against the positive mass above g: total_pos - (mass below g) - (mass in g).
    scores, group = np.unique(p, return_inverse=True)
    pos_g = np.bincount(group, weights=pos, minlength=len(scores))
    neg_g = np.bincount(group, weights=neg, minlength=len(scores))
    pos_below = np.cumsum(pos_g) - pos_g
    wrong = (neg_g * pos_below).sum() + 0.5 * (neg_g * pos_g).sum()
    correct = total_pos * total_neg - wrong
    return float(correct / (total_pos * total_neg))


def weighted_log_loss(y: np.ndarray, w: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(np.asarray(p, np.float64), _CLIP, 1 - _CLIP)
    y, w = np.asarray(y, np.float64), np.asarray(w, np.float64)
    losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float((w * losses).sum() / max(w.sum(), _CLIP))


def calibration_error(y: np.ndarray, w: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    p, y, w = (np.asarray(a, np.float64) for a in (p, y, w))
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    mass = np.bincount(which, weights=w, minlength=bins)
    pred = np.bincount(which, weights=w * p, minlength=bins)
    seen = np.bincount(which, weights=w * y, minlength=bins)
    return float(np.abs(pred - seen).sum() / max(mass.sum(), _CLIP))


def evaluate(y: np.ndarray, w: np.ndarray, p: np.ndarray) -> Metrics:
    return Metrics(
        auc=weighted_auc(y, w, p),
        log_loss=weighted_log_loss(y, w, p),
        calibration_error=calibration_error(y, w, p),
        faces=len(y),
    )


def auc_difference_interval(
    y: np.ndarray,
    w: np.ndarray,
    p_a: np.ndarray,
    p_b: np.ndarray,
    *,
    resamples: int = 200,
    level: float = 0.9,
    seed: int = 0,
) -> tuple[float, float]:
    """A `level` bootstrap interval of AUC(p_a) - AUC(p_b) on the same faces (a paired
    comparison: each resample draws faces, and both scorers are judged on that draw).

    The two AUCs share their faces, so their noise largely cancels in the difference; the
    interval says whether what is left is more than noise. (nan, nan) without both labels.
    """
    y, w = np.asarray(y, np.float64), np.asarray(w, np.float64)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        counts = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y))  # (N,)
        weights = w * counts
        diff = weighted_auc(y, weights, p_a) - weighted_auc(y, weights, p_b)
        if not np.isnan(diff):
            diffs.append(diff)
    if not diffs:
        return float("nan"), float("nan")
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return float(low), float(high)
