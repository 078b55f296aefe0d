"""Unpacking a chunk of faces at once gives what unpacking each face gives."""

from __future__ import annotations

import numpy as np
import pytest

from facegallery.exports.strokes import CorruptStrokes, stroke3_unpack_many
from generator.strokes import stroke3_from_bytes, stroke3_to_bytes


def _face(rng, n):
    points = rng.integers(-300, 300, size=(n, 3)).astype(np.int16)
    points[:, 0] = rng.integers(-20000, 20000, size=n)  # 3-byte varints too
    points[:, 2] = rng.integers(0, 2, size=n)
    return stroke3_to_bytes(points)


def test_a_chunk_unpacks_to_each_face_in_turn():
    rng = np.random.default_rng(7)
    blobs = [_face(rng, n) for n in (5, 0, 1, 120, 0, 33)]
    points, offsets = stroke3_unpack_many(blobs)
    assert offsets.tolist()[0] == 0 and len(offsets) == len(blobs) + 1
    for i, blob in enumerate(blobs):
        np.testing.assert_array_equal(points[offsets[i] : offsets[i + 1]], stroke3_from_bytes(blob))


def test_a_truncated_face_is_caught_not_merged_into_the_next():
    rng = np.random.default_rng(8)
    good = _face(rng, 10)
    truncated = good[:-1] + bytes([good[-1] | 0x80])
    with pytest.raises(CorruptStrokes):
        stroke3_unpack_many([truncated, good])
    with pytest.raises(CorruptStrokes):
        stroke3_unpack_many([b"\x09" + good[1:]])
