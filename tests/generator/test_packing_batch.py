"""generator.packing_batch: one vectorised pass decodes exactly what unpack_stroke3 decodes,
as one array a face or as all the points with face offsets."""

from __future__ import annotations

import numpy as np
import pytest

from generator.packing import CorruptStrokes, pack_stroke3, unpack_stroke3
from generator.packing_batch import unpack_many, unpack_many_flat


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


def _face(rng: np.random.Generator, n: int) -> np.ndarray:
    face = rng.integers(-300, 300, size=(n, 3)).astype(np.int16)
    face[:, 0] = rng.integers(-20000, 20000, size=n)  # 3-byte varints too
    face[:, 2] = rng.integers(0, 2, size=n)
    return face


def test_many_faces_decode_as_one_by_one_across_chunks():
    blobs = [pack_stroke3(face) for face in _faces(5000)]  # more than one chunk
    decoded = unpack_many(blobs)
    assert len(decoded) == len(blobs)
    for blob, got in zip(blobs, decoded, strict=True):
        want = unpack_stroke3(blob)
        assert got.dtype == np.int16 and np.array_equal(got, want)


def test_many_faces_decode_to_points_and_offsets_as_one_by_one_across_chunks():
    blobs = [pack_stroke3(face) for face in _faces(5000, seed=2)]  # more than one chunk
    points, offsets = unpack_many_flat(blobs)
    assert points.dtype == np.int16 and offsets.dtype == np.int64
    assert offsets[0] == 0 and len(offsets) == len(blobs) + 1 and offsets[-1] == len(points)
    for i, blob in enumerate(blobs):
        np.testing.assert_array_equal(points[offsets[i] : offsets[i + 1]], unpack_stroke3(blob))


def test_empty_faces_among_others_get_empty_ranges():
    rng = np.random.default_rng(7)
    faces = [_face(rng, n) for n in (5, 0, 1, 120, 0, 33)]
    points, offsets = unpack_many_flat([pack_stroke3(face) for face in faces])
    assert np.diff(offsets).tolist() == [5, 0, 1, 120, 0, 33]
    for i, face in enumerate(faces):
        np.testing.assert_array_equal(points[offsets[i] : offsets[i + 1]], face)


def test_no_faces_decode_to_nothing():
    assert unpack_many([]) == []
    points, offsets = unpack_many_flat([])
    assert points.shape == (0, 3) and offsets.tolist() == [0]


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
    faces = [good[1], damage(good[0]), good[2]]
    with pytest.raises(CorruptStrokes):
        unpack_many(faces)
    with pytest.raises(CorruptStrokes):
        unpack_many_flat(faces)


def test_a_truncated_face_is_caught_not_merged_into_the_next():
    good = pack_stroke3(_face(np.random.default_rng(8), 10))
    truncated = good[:-1] + bytes([good[-1] | 0x80])  # its last varint now runs on
    with pytest.raises(CorruptStrokes, match="truncated"):
        unpack_many_flat([truncated, good])
