"""Simulated visitors' tastes: rules over a face's strokes that call it interesting or boring.

Used by the `simulate_voters` command to check that the feedback loop learns a taste. Each
rule reads the drawing statistics of generator.features (NORMALISED stroke-3 in); thresholds
were set so that roughly a quarter to two fifths of unfiltered faces (temperatures 0.15-0.6) pass,
leaving room to show that the filter raises the share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from generator.features import STAT_NAMES, drawing_stats

_COL = {name: k for k, name in enumerate(STAT_NAMES)}


def _many_strokes(stats: np.ndarray) -> np.ndarray:
    return stats[:, _COL["num_strokes"]] >= 7


def _asymmetric(stats: np.ndarray) -> np.ndarray:
    return stats[:, _COL["asymmetry"]] >= 0.43


def _round_eyes(stats: np.ndarray) -> np.ndarray:
    # The outline is usually one round stroke; two round eyes on top of it make three.
    return stats[:, _COL["round_strokes"]] >= 3


TASTES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "many-strokes": _many_strokes,
    "asymmetric": _asymmetric,
    "round-eyes": _round_eyes,
}


def taste_likes(name: str, drawings: Sequence[np.ndarray]) -> np.ndarray:
    """(B,) bool: whether taste `name` calls each drawing (normalised stroke-3) interesting."""
    if name not in TASTES:
        raise ValueError(f"unknown taste {name!r}; choose from {', '.join(sorted(TASTES))}")
    if not len(drawings):
        return np.zeros(0, bool)
    return TASTES[name](drawing_stats(drawings))
