"""Features of drawn faces for the scoring filter: drawing statistics, a small raster, and the
generator's own negative log-likelihood. Pure numpy (and generator.likelihood for the NLL).

Every function takes a batch: a sequence of stroke-3 arrays in NORMALISED units (the sampler's
output; divide stored pixels by the generator's scale_factor first). The statistics are computed
for the whole batch at once on the concatenated points (segment sums with ``np.bincount``), so
featurising costs microseconds a face rather than a Python loop per face.

Conventions (see generator/strokes.py): row 0 is the move from the origin to the first point and
is never drawn; the move into point k is drawn when the pen was down after point k-1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from generator.likelihood import DrawingNLL

STAT_NAMES = (
    "num_points",
    "num_strokes",
    "ink",  # drawn length
    "jump",  # pen-up travel between strokes
    "width",
    "height",
    "log_aspect",  # log(width / height)
    "asymmetry",  # 1 - left-right overlap of the ink histogram, 0 = mirror symmetric
    "centroid_offset",  # |mean x - bbox centre x| / width
    "mean_turn",  # mean |turning angle| between consecutive drawn segments, radians
    "turn_per_ink",  # total |turning| / ink: curvature
    "mean_segment",
    "segment_spread",  # std / mean of drawn segment lengths
    "stroke_ink_spread",  # std / mean of ink per stroke
    "max_stroke_points",
    "closed_share",  # strokes that end near where they start
    "round_strokes",  # closed strokes that are nearly circles (circularity > 0.6)
    "max_circularity",  # 4 pi area / perimeter^2 of the roundest stroke
)
NLL_NAMES = ("nll_mean_per_step", "nll_total", "nll_max_stroke", "nll_step_spread")
RASTER_SIZE = 16  # the learned encoder's input: a RASTER_SIZE x RASTER_SIZE ink histogram
_SYM_GRID = 9  # odd: the centre column is its own mirror image
_EPS = 1e-9
_CHUNK = 2048  # drawings featurised together


def _group_mean(values: np.ndarray, groups: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(groups, weights=values, minlength=n) / np.maximum(counts, 1)


def _spread(values: np.ndarray, groups: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Per group std / mean of `values` over the members where `weights` is 1."""
    count = np.bincount(groups, weights=weights, minlength=n)
    mean = np.bincount(groups, weights=values * weights, minlength=n) / np.maximum(count, 1)
    sq = np.bincount(groups, weights=values**2 * weights, minlength=n) / np.maximum(count, 1)
    std = np.sqrt(np.maximum(sq - mean**2, 0.0))
    return np.where(count > 1, std / np.maximum(mean, _EPS), 0.0)


class PointTable:
    """The batch's points concatenated, with per-point face and stroke ids and positions
    (generator/stroke_table.py builds its per-stroke geometry on it)."""

    def __init__(self, drawings: Sequence[np.ndarray]) -> None:
        self.n = len(drawings)
        self.counts = np.array([len(d) for d in drawings], dtype=np.int64)  # (B,)
        pts = (
            np.concatenate([np.asarray(d, np.float64).reshape(-1, 3) for d in drawings])
            if self.n
            else np.zeros((0, 3))
        )  # (P, 3)
        self.face = np.repeat(np.arange(self.n), self.counts)  # (P,)
        starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]]) if self.n else np.zeros(0)
        self.first = np.zeros(len(pts), bool)
        self.first[starts[self.counts > 0].astype(np.int64)] = True  # (P,) first point of a face
        cum = np.cumsum(pts[:, :2], axis=0)  # (P, 2) global running sums
        before = np.concatenate([np.zeros((1, 2)), cum])[starts.astype(np.int64)]  # (B, 2)
        self.xy = cum - np.repeat(before, self.counts, axis=0)  # (P, 2) absolute per face
        self.pen = pts[:, 2] > 0.5  # (P,) pen lifts after this point
        prev_pen = np.concatenate([[True], self.pen[:-1]])
        self.drawn = ~prev_pen & ~self.first  # (P,) the move into this point is drawn
        self.seg = np.hypot(pts[:, 0], pts[:, 1])  # (P,) length of the move into the point
        self.stroke_start = prev_pen | self.first
        self.stroke = np.cumsum(self.stroke_start) - 1  # (P,) global stroke id
        self.num_strokes_total = int(self.stroke[-1]) + 1 if len(pts) else 0
        self.stroke_face = self.face[self.stroke_start]  # (S,)


def _bbox(p: PointTable) -> tuple[np.ndarray, np.ndarray]:
    lo = np.zeros((p.n, 2))
    hi = np.zeros((p.n, 2))
    nonempty = p.counts > 0
    if nonempty.any():
        starts = (np.cumsum(p.counts) - p.counts)[nonempty]
        lo[nonempty] = np.minimum.reduceat(p.xy, starts, axis=0)
        hi[nonempty] = np.maximum.reduceat(p.xy, starts, axis=0)
    return lo, hi


def _turning(p: PointTable) -> tuple[np.ndarray, np.ndarray]:
    """(P,) |angle| between the drawn move into each point and the drawn move before it."""
    d = np.diff(p.xy, axis=0, prepend=np.zeros((1, 2)))  # (P, 2) moves (wrong on first, masked)
    prev = np.concatenate([np.zeros((1, 2)), d[:-1]])
    both = p.drawn & np.concatenate([[False], p.drawn[:-1]])
    cross = prev[:, 0] * d[:, 1] - prev[:, 1] * d[:, 0]
    dot = (prev * d).sum(axis=1)
    return np.where(both, np.abs(np.arctan2(cross, dot)), 0.0), both


def _stroke_shapes(p: PointTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stroke: (ink, closed flag, circularity 4 pi A / P^2 with the closing gap)."""
    s, ns = p.stroke, p.num_strokes_total
    ink = np.bincount(s, weights=p.seg * p.drawn, minlength=ns)
    npts = np.bincount(s, minlength=ns)
    first_xy = p.xy[p.stroke_start]  # (S, 2)
    last_idx = np.concatenate([np.flatnonzero(p.stroke_start)[1:] - 1, [len(p.xy) - 1]])
    last_xy = p.xy[last_idx]
    gap = np.hypot(*(last_xy - first_xy).T)  # (S,)
    prev_xy = np.concatenate([np.zeros((1, 2)), p.xy[:-1]])
    shoelace = (prev_xy[:, 0] * p.xy[:, 1] - p.xy[:, 0] * prev_xy[:, 1]) * p.drawn
    area = np.bincount(s, weights=shoelace, minlength=ns)
    area = 0.5 * np.abs(area + last_xy[:, 0] * first_xy[:, 1] - first_xy[:, 0] * last_xy[:, 1])
    perimeter = ink + gap
    circ = np.where(npts >= 4, 4 * np.pi * area / np.maximum(perimeter**2, _EPS), 0.0)
    closed = (npts >= 4) & (gap < 0.25 * np.maximum(ink, _EPS))
    return ink, closed, np.clip(circ, 0.0, 1.0)


def _asymmetry(p: PointTable, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left-right asymmetry of the ink (drawn segments' midpoints, weighted by length, on a
    grid over the bounding box) and the centroid's offset from the box centre."""
    size = np.maximum(hi - lo, _EPS)[p.face]  # (P, 2)
    prev = np.concatenate([np.zeros((1, 2)), p.xy[:-1]])
    rel = ((prev + p.xy) / 2 - lo[p.face]) / size  # (P, 2) midpoints in [0, 1]
    ink = p.seg * p.drawn  # (P,) zero for moves that draw nothing
    cell = np.clip((rel * _SYM_GRID).astype(np.int64), 0, _SYM_GRID - 1)  # moves off-box: no ink
    flat = p.face * _SYM_GRID**2 + cell[:, 1] * _SYM_GRID + cell[:, 0]
    hist = np.bincount(flat, weights=ink, minlength=p.n * _SYM_GRID**2)
    hist = hist.reshape(p.n, _SYM_GRID, _SYM_GRID)
    total = np.maximum(hist.sum(axis=(1, 2)), _EPS)
    asym = 0.5 * np.abs(hist - hist[:, :, ::-1]).sum(axis=(1, 2)) / total
    centroid = np.bincount(p.face, weights=rel[:, 0] * ink, minlength=p.n) / total
    return asym, np.where(total > _EPS, np.abs(centroid - 0.5), 0.0)


def drawing_stats(drawings: Sequence[np.ndarray]) -> np.ndarray:
    """(B, len(STAT_NAMES)) float32 statistics, one row per drawing (zeros for an empty one)."""
    return np.concatenate([_stats(PointTable(chunk)) for chunk in _chunks(drawings)])


def featurize(drawings: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(drawing_stats, raster) of a batch, sharing the concatenation work."""
    stats, rasters = [], []
    for chunk in _chunks(drawings):
        p = PointTable(chunk)
        stats.append(_stats(p))
        rasters.append(_raster(p))
    return np.concatenate(stats), np.concatenate(rasters)


def _chunks(drawings: Sequence[np.ndarray]) -> list[Sequence[np.ndarray]]:
    # Chunks keep the per-point temporaries small enough to stay in cache: on a busy machine
    # one pass over 100,000 faces' points at once ran about ten times slower.
    return [drawings[s : s + _CHUNK] for s in range(0, max(len(drawings), 1), _CHUNK)]


def _stats(p: PointTable) -> np.ndarray:
    n = p.n
    if not len(p.xy):  # only empty drawings
        return np.zeros((n, len(STAT_NAMES)), np.float32)
    lo, hi = _bbox(p)
    width, height = (hi - lo).T
    turn, turned = _turning(p)
    s_ink, closed, circ = _stroke_shapes(p)
    per_face_strokes = np.bincount(p.stroke_face, minlength=n)
    stroke_pts = np.bincount(p.stroke, minlength=p.num_strokes_total)
    asym, centroid = _asymmetry(p, lo, hi)
    ink = np.bincount(p.face, weights=p.seg * p.drawn, minlength=n)
    round_ = closed & (circ > 0.6)
    cols = {
        "num_points": p.counts.astype(np.float64),
        "num_strokes": per_face_strokes.astype(np.float64),
        "ink": ink,
        "jump": np.bincount(p.face, weights=p.seg * (~p.drawn & ~p.first), minlength=n),
        "width": width,
        "height": height,
        "log_aspect": np.log((width + 1e-3) / (height + 1e-3)),
        "asymmetry": asym,
        "centroid_offset": centroid,
        "mean_turn": np.bincount(p.face, weights=turn, minlength=n)
        / np.maximum(np.bincount(p.face, weights=turned, minlength=n), 1),
        "turn_per_ink": np.bincount(p.face, weights=turn, minlength=n) / np.maximum(ink, _EPS),
        "mean_segment": _group_mean(p.seg * p.drawn, p.face, np.bincount(
            p.face, weights=p.drawn, minlength=n), n),
        "segment_spread": _spread(p.seg, p.face, p.drawn.astype(np.float64), n),
        "stroke_ink_spread": _spread(s_ink, p.stroke_face, np.ones_like(s_ink), n),
        "max_stroke_points": _group_max(stroke_pts, p.stroke_face, n),
        "closed_share": _group_mean(closed * 1.0, p.stroke_face, per_face_strokes, n),
        "round_strokes": np.bincount(p.stroke_face, weights=round_, minlength=n),
        "max_circularity": _group_max(circ, p.stroke_face, n),
    }  # fmt: skip
    out = np.stack([cols[name] for name in STAT_NAMES], axis=1)
    out[p.counts == 0] = 0.0
    return out.astype(np.float32)


def _group_max(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    np.maximum.at(out, groups, values)
    return out


def raster(drawings: Sequence[np.ndarray], size: int = RASTER_SIZE) -> np.ndarray:
    """(B, size, size) float32 ink histograms: points and segment midpoints on a square canvas
    fitted to each drawing's bounding box (aspect kept), log-scaled to about [0, 1]."""
    return np.concatenate([_raster(PointTable(chunk), size) for chunk in _chunks(drawings)])


def _raster(p: PointTable, size: int = RASTER_SIZE) -> np.ndarray:
    lo, hi = _bbox(p)
    side = np.maximum((hi - lo).max(axis=1), _EPS)  # (B,)
    centre = (lo + hi) / 2
    prev = np.concatenate([np.zeros((1, 2)), p.xy[:-1]])
    # Each drawn segment is sampled about once per cell it crosses (at least once), so long
    # lines leave no gaps; single points (one-point strokes) count once.
    drawn = np.flatnonzero(p.drawn)
    cells = p.seg[drawn] * size / side[p.face[drawn]]
    counts = np.clip(np.ceil(cells), 1, 2 * size).astype(np.int64)
    seg = np.repeat(drawn, counts)  # (K,) segment of each sample
    offsets = np.arange(len(seg)) - np.repeat(np.cumsum(counts) - counts, counts)
    frac = ((offsets + 0.5) / np.repeat(counts, counts))[:, None]  # (K, 1) along the segment
    samples = prev[seg] + frac * (p.xy[seg] - prev[seg])  # (K, 2)
    lone = p.stroke_start & np.concatenate([p.stroke_start[1:], [True]])  # one-point strokes
    xy = np.concatenate([samples, p.xy[lone]])
    face = np.concatenate([p.face[seg], p.face[lone]])
    rel = (xy - centre[face]) / side[face, None] + 0.5  # [0, 1] on the longer side
    cell = np.clip((rel * size).astype(np.int64), 0, size - 1)
    flat = face * size * size + cell[:, 1] * size + cell[:, 0]
    hist = np.bincount(flat, minlength=p.n * size * size).reshape(p.n, size, size)
    return (np.log1p(hist) / np.log(8.0)).astype(np.float32)


def nll_stats(nlls: Sequence[DrawingNLL]) -> np.ndarray:
    """(B, len(NLL_NAMES)) float32 from generator.likelihood.DrawingNLL results."""
    rows = [
        (
            nll.mean_per_step,
            nll.total,
            float(nll.per_stroke.max()) if len(nll.per_stroke) else 0.0,
            float(nll.per_step.std()),
        )
        for nll in nlls
    ]
    return np.asarray(rows, np.float32).reshape(len(rows), len(NLL_NAMES))
