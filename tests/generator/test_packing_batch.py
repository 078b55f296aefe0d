"""generator.packing_batch: one vectorised pass decodes exactly what unpack_stroke3 decodes."""

from __future__ import annotations

import numpy as np
import pytest

from generator.packing import pack_stroke3, unpack_stroke3
from generator.packing_batch import unpack_many


def _faces(count: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    faces = []
    for _ in range(count):
        n = int(rng.integers(0, 60))
        scale = rng.choice([10, 300, 32767])  # one-, two- and three-byte varints
        face = np.column_stack(
            [rng.integers(-scale, scale + 1, (n, 2)), rng.random(n) < 0.2]
        ).astype(np.int16)
        faces.append(face)
    return faces


def test_many_faces_decode_as_one_by_one_across_chunks():
    blobs = [pack_stroke3(face) for face in _faces(5000)]  # more than one chunk
    decoded = unpack_many(blobs)
    assert len(decoded) == len(blobs)
    for blob, got in zip(blobs, decoded, strict=True):
        want = unpack_stroke3(blob)
        assert got.dtype == np.int16 and np.array_equal(got, want)


def test_no_faces_decode_to_nothing():
    assert unpack_many([]) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b"",  # empty: not even the version byte
        lambda b: bytes([9]) + b[1:],  # unknown version
        lambda b: b + bytes([0x80]),  # truncated varint at the end
        lambda b: b[:1] + bytes([0x81, 0x81, 0x81, 0x01]) + b[1:],  # 4-byte varint
        lambda b: b + bytes([0x01]),  # odd number of values
    ],
)
def test_a_damaged_face_is_an_error_even_among_good_ones(damage):
    good = [pack_stroke3(face) for face in _faces(3, seed=1)]
    good[0] = pack_stroke3(np.array([[5, -3, 0], [2, 2, 1]], np.int16))
    with pytest.raises(ValueError):
        unpack_many([good[1], damage(good[0]), good[2]])
