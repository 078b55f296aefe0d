"""A learned representation of a face: the decoder's own states read along the drawing, plus
where the ink and the strokes are.

Two parts, concatenated into one float32 row per face (REPR_NAMES gives the layout):

- **States** (``STATE_WIDTH`` values): the sketch-rnn decoder reads the face teacher-forced
  (generator.likelihood, the same pass that measures the NLL) and its LSTM states are pooled
  over the drawing's points: mean of h, max of h, mean of tanh(c), and mean of h at the points
  where the pen lifts (one summary a stroke). The decoder was trained to draw faces, so these
  states encode what part it is drawing, where the pen is and what comes next; a linear head
  on them separates tastes that no hand-made statistic names. Pooling is then reduced with a
  fixed random projection (``STATE_WIDTH`` of ``4 * H``): a seeded Gaussian matrix, the same
  on every machine, that keeps distances (Johnson-Lindenstrauss) while storing 16x less.
- **Layout** (``LAYOUT_WIDTH`` values): an ``OCC_GRID`` x ``OCC_GRID`` grid over the face's
  bounding box (each axis normalised on its own, y down) holding the share of the ink in each
  cell, and a second grid counting the strokes whose centre lies in each cell. "Something at
  the top" or "ears at the sides" is then one cell or two.

Everything is in NORMALISED stroke-3 units (the sampler's output; pixels / scale_factor).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

REPR_VERSION = 1  # bump when the layout or the projection changes: cached rows are keyed by it
POOLS = ("h_mean", "h_max", "c_mean", "h_lift")  # each (H,) before the projection
STATE_WIDTH = 128  # projected width of the pooled states (4 * 512 = 2048 before)
OCC_GRID = 4  # cells a side of the two layout grids
LAYOUT_WIDTH = 2 * OCC_GRID * OCC_GRID
REPR_WIDTH = STATE_WIDTH + LAYOUT_WIDTH
REPR_NAMES = tuple(
    [f"state{k}" for k in range(STATE_WIDTH)]
    + [f"ink_{r}_{c}" for r in range(OCC_GRID) for c in range(OCC_GRID)]
    + [f"strokes_{r}_{c}" for r in range(OCC_GRID) for c in range(OCC_GRID)]
)
_PROJECTION_SEED = 0x5EED_0F_FACE  # fixed: the projection must never change within a version
_EPS = 1e-9


def projection(hidden: int, width: int = STATE_WIDTH) -> Tensor:
    """(len(POOLS) * hidden, width) float32 Gaussian matrix, scaled to keep norms on average.

    Drawn with numpy's PCG64 from a fixed seed in float64, so it is the same on every machine
    and torch build (torch's own generators are not promised to be)."""
    rng = np.random.Generator(np.random.PCG64(_PROJECTION_SEED + hidden))
    matrix = rng.standard_normal((len(POOLS) * hidden, width)) / np.sqrt(width)
    return torch.from_numpy(matrix.astype(np.float32))


def pool_states(h: Tensor, c: Tensor, points: Tensor, lifts: Tensor) -> Tensor:
    """Pool teacher-forced LSTM states over each drawing's points.

    h, c: (B, T, H) states; state t is the one after reading input t (S0 is input 0, so the
    state after the drawing's point k is t = k + 1). points: (B, T) bool, True where state t
    follows one of the drawing's points. lifts: (B, T) bool, True where that point lifts the
    pen (the state summarises the stroke it ends). Returns (B, len(POOLS) * H) float32 in
    POOLS order; a drawing without points (or without lifts) gets zeros for that pool.
    """
    mask = points.unsqueeze(-1).to(h.dtype)  # (B, T, 1)
    count = mask.sum(1).clamp_min(1.0)  # (B, 1)
    h_mean = (h * mask).sum(1) / count  # (B, H)
    h_max = torch.where(points.unsqueeze(-1), h, torch.full_like(h, -1.0)).amax(1)  # (B, H)
    h_max = torch.where(points.any(1, keepdim=True), h_max, torch.zeros_like(h_max))
    c_mean = (torch.tanh(c) * mask).sum(1) / count  # (B, H): c is unbounded, tanh as in h
    lift = lifts.unsqueeze(-1).to(h.dtype)  # (B, T, 1)
    h_lift = (h * lift).sum(1) / lift.sum(1).clamp_min(1.0)  # (B, H)
    return torch.cat([h_mean, h_max, c_mean, h_lift], dim=1)  # (B, 4H)


class StatePool:
    """:func:`pool_states` computed step by step, for a sampler's working batch of R rows.

    A sampler that draws faces already holds each step's (h, c): folding them in here as it
    goes gives the same pooled row as the teacher-forced pass over the finished drawing,
    without running the decoder again. Rows are reset when a new face starts in them.
    """

    def __init__(self, rows: int, hidden: int, device: torch.device | str = "cpu") -> None:
        zeros = torch.zeros(rows, hidden, device=device)
        self.h_sum, self.c_sum, self.lift_sum = zeros, zeros.clone(), zeros.clone()  # (R, H)
        self.h_max = torch.full((rows, hidden), -1.0, device=device)  # h is in (-1, 1)
        self.points = torch.zeros(rows, device=device)  # (R,) states folded in
        self.lifts = torch.zeros(rows, device=device)  # (R,) of them after a pen lift

    def reset(self, rows: Tensor) -> None:
        """Forget rows (k,) int64: a new face starts there."""
        for acc in (self.h_sum, self.c_sum, self.lift_sum, self.points, self.lifts):
            acc[rows] = 0.0
        self.h_max[rows] = -1.0

    def update(
        self,
        h: Tensor,
        c: Tensor,
        is_point: Tensor,
        is_lift: Tensor,
        *,
        sigmoid_2c: Tensor | None = None,
    ) -> None:
        """Fold in the state (h, c), each (R, H), reached by reading each row's last input.

        is_point: (R,) bool, the input was one of the drawing's points (not S0 or idle);
        is_lift: (R,) bool, that point lifted the pen. sigmoid_2c: (R, H) sigmoid(2c), which
        the cell update leaves behind (rnn.lstm_update_): tanh(c) = 2 sigmoid(2c) - 1 then
        costs two cheap passes instead of a tanh, the slowest op of a sampler step."""
        point = is_point.to(h.dtype).unsqueeze(1)  # (R, 1)
        lift = (is_lift & is_point).to(h.dtype).unsqueeze(1)
        self.h_sum.addcmul_(h, point)
        if sigmoid_2c is None:
            self.c_sum.addcmul_(torch.tanh(c), point)
        else:  # point * tanh(c) = 2 point sigmoid(2c) - point
            self.c_sum.addcmul_(sigmoid_2c, point, value=2.0).sub_(point)
        self.lift_sum.addcmul_(h, lift)
        # h is in (-1, 1): a row that read no point adds -1, which changes no maximum.
        torch.maximum(self.h_max, h.masked_fill(~is_point.unsqueeze(1), -1.0), out=self.h_max)
        self.points += point.squeeze(1)
        self.lifts += lift.squeeze(1)

    def select(self, rows: Tensor) -> None:
        """Keep rows (k,) int64 only, in that order (a sampler compacting its batch)."""
        for name in ("h_sum", "c_sum", "lift_sum", "h_max", "points", "lifts"):
            setattr(self, name, getattr(self, name).index_select(0, rows))

    def take(self, rows: Tensor) -> Tensor:
        """(k, len(POOLS) * H) pooled rows for rows (k,), as :func:`pool_states` gives them."""
        count = self.points[rows].clamp_min(1.0).unsqueeze(1)  # (k, 1)
        h_max = torch.where(self.points[rows].unsqueeze(1) > 0, self.h_max[rows], 0.0)
        lifts = self.lifts[rows].clamp_min(1.0).unsqueeze(1)
        return torch.cat(
            [
                self.h_sum[rows] / count,
                h_max,
                self.c_sum[rows] / count,
                self.lift_sum[rows] / lifts,
            ],
            dim=1,
        )


def layout(drawings: Sequence[np.ndarray], grid: int = OCC_GRID) -> np.ndarray:
    """(B, 2 * grid^2) float32: ink share per cell, then strokes (by their centre) per cell.

    Cells cover the drawing's bounding box, each axis scaled to [0, 1] on its own; row 0 is the
    top (y grows down). Ink is the drawn length of each segment, at its midpoint. A one-point
    stroke counts as a stroke (a dot) with no ink.
    """
    out = np.zeros((len(drawings), 2 * grid * grid), np.float32)
    for row, drawing in enumerate(drawings):
        arr = np.asarray(drawing, np.float64).reshape(-1, 3)
        if not len(arr):
            continue
        xy = np.cumsum(arr[:, :2], axis=0)  # (n, 2) absolute positions
        lo, hi = xy.min(0), xy.max(0)
        rel = (xy - lo) / np.maximum(hi - lo, _EPS)  # (n, 2) in [0, 1]
        lifted = arr[:, 2] > 0.5
        start = np.concatenate([[True], lifted[:-1]])  # (n,) first point of a stroke
        drawn = ~start  # the move into this point is drawn
        mid = (rel[1:] + rel[:-1]) / 2  # (n - 1, 2) midpoint of the move into point k + 1
        seg = np.hypot(*(xy[1:] - xy[:-1]).T) * drawn[1:]  # (n - 1,) drawn length
        cells = _cells(mid, grid)
        ink = np.bincount(cells, weights=seg, minlength=grid * grid)
        out[row, : grid * grid] = ink / max(ink.sum(), _EPS)
        stroke = np.cumsum(start) - 1  # (n,) stroke id of each point
        strokes = stroke[-1] + 1
        centre = (
            np.stack([np.bincount(stroke, weights=rel[:, k]) for k in range(2)], axis=1)
            / np.bincount(stroke, minlength=strokes)[:, None]
        )  # (S, 2) mean point of each stroke
        out[row, grid * grid :] = np.bincount(_cells(centre, grid), minlength=grid * grid)
    return out


def _cells(rel: np.ndarray, grid: int) -> np.ndarray:
    """(k, 2) positions in [0, 1] -> (k,) flat cell index, row-major from the top left."""
    ij = np.clip((rel * grid).astype(np.int64), 0, grid - 1)  # (k, 2) column, row
    return ij[:, 1] * grid + ij[:, 0]


def represent(pooled: np.ndarray, drawings: Sequence[np.ndarray]) -> np.ndarray:
    """(B, REPR_WIDTH) float32 rows from pooled states (B, len(POOLS) * H) (see
    generator.likelihood.drawing_nll_and_states) and the same drawings' layout."""
    if len(pooled) != len(drawings):
        raise ValueError(f"{len(pooled)} pooled rows for {len(drawings)} drawings")
    hidden = pooled.shape[1] // len(POOLS)
    states = torch.from_numpy(np.ascontiguousarray(pooled, np.float32)) @ projection(hidden)
    return np.concatenate([states.numpy(), layout(drawings)], axis=1).astype(np.float32)
