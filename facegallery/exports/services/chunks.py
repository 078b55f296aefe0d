"""Whole-chunk stroke geometry, so that writers convert thousands of faces per numpy call."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SIMPLIFIED_MAX = 255  # the Quick, Draw! "simplified" dataset scales drawings into 0..255


def simplified_positions(flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Absolute positions ``(P, 2)`` int in Quick, Draw! simplified coordinates.

    As in the simplified dataset, each drawing is moved to the top-left corner (minimum 0)
    and scaled uniformly so that its longer side spans 0..255; positions are rounded to
    whole pixels. (The dataset's resampling and RDP simplification are not repeated: the
    model already draws RDP-simplified strokes.)
    """
    if not len(flat):
        return np.zeros((0, 2), dtype=np.int64)
    lengths = np.diff(offsets)
    face_of_point = np.repeat(np.arange(len(lengths)), lengths)
    cumulative = np.cumsum(flat[:, :2], axis=0, dtype=np.int64)
    # Each face's positions restart from the origin: subtract what the faces before it added.
    before = np.zeros((len(lengths), 2), dtype=np.int64)
    nonempty = lengths > 0
    starts = offsets[:-1][nonempty]
    before[nonempty] = cumulative[starts] - flat[starts, :2]
    positions = cumulative - before[face_of_point]
    low = np.zeros((len(lengths), 2), dtype=np.int64)
    high = np.zeros((len(lengths), 2), dtype=np.int64)
    low[nonempty] = np.minimum.reduceat(positions, starts, axis=0)
    high[nonempty] = np.maximum.reduceat(positions, starts, axis=0)
    extent = (high - low).max(axis=1)
    scale = np.where(extent > 0, SIMPLIFIED_MAX / np.maximum(extent, 1), 1.0)
    moved = (positions - low[face_of_point]) * scale[face_of_point, None]
    return np.rint(moved).astype(np.int64)


def stroke_ends(flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sorted end indexes (exclusive) of every stroke: after each p = 1 and at each face end."""
    lifts = np.flatnonzero(flat[:, 2] == 1) + 1
    return np.union1d(lifts, offsets[1:])


# --- JSON text built by Arrow kernels, a chunk at a time -------------------------------------
# Building Python lists of every point and json.dumps-ing them costs about 2 µs a point,
# most of a million-face export; Arrow's cast and join kernels do the same in C++.


def text(values) -> pa.Array:
    """Numbers as their shortest JSON text (ints as ints, floats round-trip)."""
    return pc.cast(pa.array(values), pa.string())


def join(*parts) -> pa.Array:
    """Element-wise concatenation of string arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


def _ragged_join(pieces: pa.Array, offsets: np.ndarray, open_: str, close: str) -> pa.Array:
    """``open_ + ",".join(pieces[a:b]) + close`` for each consecutive pair of offsets."""
    groups = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), pieces)
    return join(open_, pc.binary_join(groups, ","), close)


def stroke3_json(points: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """Each face's stroke-3 as JSON text: ``[[dx,dy,p],...]``."""
    dx, dy, p = (text(points[:, i]) for i in range(3))
    return _ragged_join(join("[", dx, ",", dy, ",", p, "]"), offsets, "[", "]")


def quickdraw_json(points: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """Each face's Quick, Draw! ``drawing`` as JSON text: ``[[[x...],[y...]],...]``."""
    positions = simplified_positions(points, offsets)
    ends = stroke_ends(points, offsets)
    stroke_offsets = np.concatenate([[0], ends[ends > 0]])  # no empty strokes
    xs = _ragged_join(text(positions[:, 0]), stroke_offsets, "[", "]")
    ys = _ragged_join(text(positions[:, 1]), stroke_offsets, "[", "]")
    strokes = join("[", xs, ",", ys, "]")
    face_strokes = np.searchsorted(stroke_offsets[:-1], offsets, side="left")
    return _ragged_join(strokes, face_strokes, "[", "]")
