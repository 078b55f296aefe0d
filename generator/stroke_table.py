"""Per-stroke geometry of a batch of drawings, for rules that look at where strokes are and what
shapes they make (generator/tastes.py). Pure numpy, no loop over faces or strokes.

Input: a sequence of stroke-3 arrays in NORMALISED units (the sampler's output), y DOWN (see
generator/strokes.py). Row 0 is the move from the origin to the first point; the move into point
k is drawn when the pen was down after point k-1. A stroke is the run of points from a pen-down
start to the next pen lift (a trailing run without a lift counts as a stroke).

The head outline of a face is its stroke with the largest bounding box (the first stroke in
almost every generated face); positions are also given relative to the outline's box:
u = 0 at its left edge and 1 at its right edge, v = 0 at its top and 1 at its bottom.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np

from generator.features import PointTable

_EPS = 1e-9


class StrokeTable:
    """Points (P), strokes (S) and faces (B) of a batch; arrays named by what they index."""

    def __init__(self, drawings: Sequence[np.ndarray]) -> None:
        points = PointTable(drawings)
        self.n, self.counts, self.xy = points.n, points.counts, points.xy  # (B,), (P, 2)
        self.point_face = points.face  # (P,)
        self.stroke_start = points.stroke_start  # (P,)
        self.drawn = points.drawn  # (P,) the move into this point is drawn
        self.point_stroke = points.stroke  # (P,)
        self.start_index = np.flatnonzero(self.stroke_start)  # (S,)
        self.num_strokes = len(self.start_index)
        self.stroke_face = points.stroke_face  # (S,)
        self.seg = points.seg * self.drawn  # (P,) drawn length into each point

    # ---- per stroke -------------------------------------------------------------------------

    def _per_stroke(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.point_stroke, weights=values, minlength=self.num_strokes)

    @cached_property
    def points(self) -> np.ndarray:
        """(S,) number of points."""
        return np.bincount(self.point_stroke, minlength=self.num_strokes)

    @cached_property
    def ink(self) -> np.ndarray:
        """(S,) drawn length."""
        return self._per_stroke(self.seg)

    @cached_property
    def box(self) -> tuple[np.ndarray, np.ndarray]:
        """(S, 2) lowest and (S, 2) highest x, y of each stroke's points."""
        if not self.num_strokes:
            return np.zeros((0, 2)), np.zeros((0, 2))
        lo = np.minimum.reduceat(self.xy, self.start_index, axis=0)
        hi = np.maximum.reduceat(self.xy, self.start_index, axis=0)
        return lo, hi

    @cached_property
    def centre(self) -> np.ndarray:
        """(S, 2) mean position of each stroke's points."""
        n = np.maximum(self.points, 1)[:, None]
        return np.stack([self._per_stroke(self.xy[:, 0]), self._per_stroke(self.xy[:, 1])], 1) / n

    @cached_property
    def chord(self) -> np.ndarray:
        """(S,) distance from a stroke's first point to its last."""
        last = np.concatenate([self.start_index[1:] - 1, [len(self.xy) - 1]]).astype(np.int64)
        return np.hypot(*(self.xy[last] - self.xy[self.start_index]).T) if len(last) else last

    @cached_property
    def turn(self) -> np.ndarray:
        """(P,) signed angle (radians) between the drawn move into a point and the drawn move
        before it; 0 where either is not drawn or has no length."""
        move = np.diff(self.xy, axis=0, prepend=np.zeros((1, 2)))  # (P, 2)
        prev = np.concatenate([np.zeros((1, 2)), move[:-1]])
        both = self.drawn & np.concatenate([[False], self.drawn[:-1]])
        both &= (self.seg > _EPS) & (np.concatenate([[0.0], self.seg[:-1]]) > _EPS)
        cross = prev[:, 0] * move[:, 1] - prev[:, 1] * move[:, 0]
        return np.where(both, np.arctan2(cross, (prev * move).sum(axis=1)), 0.0)

    @cached_property
    def winding(self) -> np.ndarray:
        """(S,) |total signed turning| / 2 pi: about 1 for a circle, more for a spiral."""
        return np.abs(self._per_stroke(self.turn)) / (2 * np.pi)

    # ---- per face ---------------------------------------------------------------------------

    def per_face(self, values: np.ndarray) -> np.ndarray:
        """(B,) sums of per-stroke `values`."""
        return np.bincount(self.stroke_face, weights=values, minlength=self.n)

    def any_per_face(self, mask: np.ndarray) -> np.ndarray:
        """(B,) bool: whether any stroke of the face is in `mask`."""
        return self.per_face(mask.astype(np.float64)) > 0

    @cached_property
    def outline(self) -> np.ndarray:
        """(S,) bool: the stroke with the largest bounding box of its face (first on ties)."""
        lo, hi = self.box
        area = np.prod(hi - lo, axis=1) + _EPS * self.points  # a lone point loses to any line
        best = np.full(self.n, -1.0)
        np.maximum.at(best, self.stroke_face, area)
        candidates = np.flatnonzero(area >= best[self.stroke_face])
        _, first = np.unique(self.stroke_face[candidates], return_index=True)
        mask = np.zeros(self.num_strokes, bool)
        mask[candidates[first]] = True
        return mask

    @cached_property
    def head_box(self) -> tuple[np.ndarray, np.ndarray]:
        """(B, 2) top-left and (B, 2) size (at least 1e-9) of each face's outline box."""
        lo, hi = self.box
        head_lo, head_size = np.zeros((self.n, 2)), np.ones((self.n, 2))
        faces = self.stroke_face[self.outline]
        head_lo[faces] = lo[self.outline]
        head_size[faces] = np.maximum(hi[self.outline] - lo[self.outline], _EPS)
        return head_lo, head_size

    @cached_property
    def head_scale(self) -> np.ndarray:
        """(B,) the outline box's longer side: lengths divided by it compare across faces."""
        return np.maximum(self.head_box[1].max(axis=1), _EPS)

    def relative(self, xy: np.ndarray, face: np.ndarray) -> np.ndarray:
        """(K, 2) positions `xy` of faces `face` as (u, v) in their outline box."""
        head_lo, head_size = self.head_box
        return (xy - head_lo[face]) / head_size[face]

    @cached_property
    def drawing_box(self) -> tuple[np.ndarray, np.ndarray]:
        """(B, 2) lowest and (B, 2) highest x, y of each face's points (zeros when empty)."""
        lo, hi = np.zeros((self.n, 2)), np.zeros((self.n, 2))
        some = self.counts > 0
        if some.any():
            starts = (np.cumsum(self.counts) - self.counts)[some]
            lo[some] = np.minimum.reduceat(self.xy, starts, axis=0)
            hi[some] = np.maximum.reduceat(self.xy, starts, axis=0)
        return lo, hi

    @cached_property
    def face_ink(self) -> np.ndarray:
        """(B,) total drawn length."""
        return np.bincount(self.point_face, weights=self.seg, minlength=self.n)
