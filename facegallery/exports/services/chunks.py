"""Whole-chunk stroke geometry, so that writers convert thousands of faces per numpy call."""

from __future__ import annotations

import numpy as np

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
