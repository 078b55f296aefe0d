"""Simulated visitors' tastes: rules over a face's strokes that call it interesting or boring.

Used by the `simulate_voters` command to check that the feedback loop learns a taste, including
tastes that nobody designed the scorer around: the suite reads raw strokes (where they are, what
shapes they make, how they were drawn; generator/stroke_table.py) as well as the drawing
statistics of generator.features. Input: NORMALISED stroke-3 (the sampler's output), y down.

Each threshold was set once, on 3,072 unfiltered faces drawn at temperatures 0.15-0.6, so that
roughly 15-40% of drawn faces pass (base rates in the README's loop section); none was tuned
to the scorer. A population is one or more tastes with shares of the visitors ("mixed:top+sides"
is half and half; "mixed:top=0.7+sides=0.3" sets the shares).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from generator.features import STAT_NAMES, drawing_stats
from generator.stroke_table import StrokeTable

_COL = {name: k for k, name in enumerate(STAT_NAMES)}
MIXED_PREFIX = "mixed:"


class Faces:
    """A batch of drawings with what the tastes read, each computed once when first needed."""

    def __init__(self, drawings: Sequence[np.ndarray]) -> None:
        self.drawings = drawings

    @cached_property
    def stats(self) -> np.ndarray:
        return drawing_stats(self.drawings)

    @cached_property
    def table(self) -> StrokeTable:
        return StrokeTable(self.drawings)

    @cached_property
    def uv(self) -> np.ndarray:
        """(S, 2) each stroke's centre in its face's outline box (0..1 inside the box)."""
        t = self.table
        return t.relative(t.centre, t.stroke_face)

    def features(self) -> np.ndarray:
        """(S,) bool: the strokes that are not the head outline (eyes, mouth, hair, ears...)."""
        return ~self.table.outline


Taste = Callable[[Faces], np.ndarray]


# ---- global statistics ----------------------------------------------------------------------


def _many_strokes(f: Faces) -> np.ndarray:
    """Seven strokes or more."""
    return f.stats[:, _COL["num_strokes"]] >= 7


def _asymmetric(f: Faces) -> np.ndarray:
    """Left and right halves of the ink differ (asymmetry statistic >= 0.43)."""
    return f.stats[:, _COL["asymmetry"]] >= 0.43


# ---- where strokes are ----------------------------------------------------------------------


def _top(f: Faces) -> np.ndarray:
    """A stroke besides the outline centred in the head's top quarter or above (hair, hat)."""
    return f.table.any_per_face(f.features() & (f.uv[:, 1] < 0.25))


def _bottom(f: Faces) -> np.ndarray:
    """A stroke besides the outline centred in the head's bottom quarter or below (beard, neck)."""
    return f.table.any_per_face(f.features() & (f.uv[:, 1] > 0.75))


def _sides(f: Faces) -> np.ndarray:
    """A stroke besides the outline centred in the left or right quarter at mid-height (ears)."""
    u, v = f.uv.T
    at_side = ((u < 0.25) | (u > 0.75)) & (v > 0.2) & (v < 0.8)
    return f.table.any_per_face(f.features() & at_side)


def _outside(f: Faces) -> np.ndarray:
    """Two points or more of other strokes outside the ellipse inscribed in the outline's box."""
    t = f.table
    radius = np.hypot(*((t.relative(t.xy, t.point_face) - 0.5) / 0.5).T)  # (P,) 1 on the ellipse
    out = ~t.outline[t.point_stroke] & (radius > 1.0)
    return np.bincount(t.point_face, weights=out, minlength=t.n) >= 2


# ---- shapes ---------------------------------------------------------------------------------


def _round_eyes(f: Faces) -> np.ndarray:
    """Three round closed strokes or more (the outline is usually one: two round eyes)."""
    return f.stats[:, _COL["round_strokes"]] >= 3


def _relative_ink(f: Faces) -> np.ndarray:
    """(S,) each stroke's drawn length over its face's head size."""
    t = f.table
    return t.ink / t.head_scale[t.stroke_face]


def _straight_lines(f: Faces) -> np.ndarray:
    """A straight stroke (ends 95% of its length apart) at least 15% of the head long."""
    t = f.table
    return t.any_per_face((t.chord >= 0.95 * t.ink) & (_relative_ink(f) >= 0.15))


def _spiral(f: Faces) -> np.ndarray:
    """A stroke besides the outline that turns the same way 1.25 full turns or more."""
    return f.table.any_per_face(f.features() & (f.table.winding >= 1.25))


def _dots(f: Faces) -> np.ndarray:
    """A tiny stroke: drawn length under 5% of the head size (a dot, a freckle)."""
    return f.table.any_per_face(_relative_ink(f) < 0.05)


# ---- size and proportions -------------------------------------------------------------------


def _big(f: Faces) -> np.ndarray:
    """A large drawing: its longer side at least 11.8 normalised units (about 920 px)."""
    lo, hi = f.table.drawing_box
    return (hi - lo).max(axis=1) >= 11.8


def _wide(f: Faces) -> np.ndarray:
    """A wide head: the outline's box at least 3% wider than tall."""
    size = f.table.head_box[1]
    return size[:, 0] >= 1.03 * size[:, 1]


# ---- drawing style --------------------------------------------------------------------------


def _jittery(f: Faces) -> np.ndarray:
    """A shaky hand: more than 5% of drawn moves turn sharper than 60 degrees."""
    t = f.table
    sharp = np.bincount(t.point_face, weights=np.abs(t.turn) > np.pi / 3, minlength=t.n)
    moves = np.bincount(t.point_face, weights=t.drawn, minlength=t.n)
    return sharp > 0.05 * np.maximum(moves, 1)


def _long_strokes(f: Faces) -> np.ndarray:
    """A long continuous stroke besides the outline: at least 0.8 of the head size of ink."""
    return f.table.any_per_face(f.features() & (_relative_ink(f) >= 0.8))


# ---- combinations ---------------------------------------------------------------------------


def _top_and_bottom(f: Faces) -> np.ndarray:
    """Something above and something below: hair (top 30%) and a beard or neck (bottom 30%)."""
    t, v = f.table, f.uv[:, 1]
    return t.any_per_face(f.features() & (v < 0.3)) & t.any_per_face(f.features() & (v > 0.7))


def _sides_not_top(f: Faces) -> np.ndarray:
    """Ears but no hair: `sides` and not `top`."""
    return _sides(f) & ~_top(f)


TASTES: dict[str, Taste] = {
    "many-strokes": _many_strokes,
    "asymmetric": _asymmetric,
    "top": _top,
    "bottom": _bottom,
    "sides": _sides,
    "outside": _outside,
    "round-eyes": _round_eyes,
    "straight-lines": _straight_lines,
    "spiral": _spiral,
    "dots": _dots,
    "big": _big,
    "wide": _wide,
    "jittery": _jittery,
    "long-strokes": _long_strokes,
    "top-and-bottom": _top_and_bottom,
    "sides-not-top": _sides_not_top,
}


def taste_describe(name: str) -> str:
    """The one-line description of taste `name` (its rule's docstring)."""
    return (TASTES[name].__doc__ or "").strip()


def tastes_judge(names: Sequence[str], drawings: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """{name: (B,) bool} for each taste, sharing the work of reading the strokes."""
    unknown = [name for name in names if name not in TASTES]
    if unknown:
        raise ValueError(f"unknown taste {unknown[0]!r}; choose from {', '.join(TASTES)}")
    if not len(drawings):
        return {name: np.zeros(0, bool) for name in names}
    faces = Faces(drawings)
    return {name: np.asarray(TASTES[name](faces), bool) for name in names}


def taste_likes(name: str, drawings: Sequence[np.ndarray]) -> np.ndarray:
    """(B,) bool: whether taste `name` calls each drawing (normalised stroke-3) interesting."""
    return tastes_judge([name], drawings)[name]


@dataclass(frozen=True)
class Population:
    """Simulated visitors: each belongs to one group, which votes by one taste."""

    name: str
    tastes: tuple[str, ...]
    shares: tuple[float, ...]  # sum to 1

    def group_of(self, visitor: int, visitors: int) -> int:
        """The group of visitor `visitor` of `visitors`: consecutive blocks sized by share."""
        bounds = np.cumsum(self.shares) * visitors
        return min(int(np.searchsorted(bounds, visitor, side="right")), len(self.tastes) - 1)


def population_parse(spec: str) -> Population:
    """A taste name, or "mixed:A+B[+...]" with optional shares "mixed:A=0.7+B=0.3"."""
    if not spec.startswith(MIXED_PREFIX):
        if spec not in TASTES:
            raise ValueError(f"unknown taste {spec!r}; choose from {', '.join(TASTES)}")
        return Population(spec, (spec,), (1.0,))
    names, weights = [], []
    for part in spec[len(MIXED_PREFIX) :].split("+"):
        name, _, share = part.partition("=")
        if name not in TASTES or name in names:
            raise ValueError(f"bad or repeated taste {name!r} in {spec!r}")
        try:
            weight = float(share) if share else 1.0
        except ValueError:
            raise ValueError(f"share {share!r} of {name!r} is not a number") from None
        if not (weight > 0 and np.isfinite(weight)):
            raise ValueError(f"share of {name!r} must be a positive number")
        names.append(name)
        weights.append(weight)
    if len(names) < 2:
        raise ValueError(f"a mixed population needs two tastes or more: {spec!r}")
    total = sum(weights)
    return Population(spec, tuple(names), tuple(w / total for w in weights))
