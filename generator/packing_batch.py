"""Decoding many packed faces at once (generator.packing format 1), for training, scoring and
exports.

``unpack_stroke3`` costs a dozen numpy calls a face, most of the time of a large export or
training set. Here the faces' varints are joined and decoded in one call to
:func:`generator.packing.decode_varints`, and each face's points are found again from where
its bytes start: the same result as ``unpack_stroke3`` on each (tests/generator check it).
Two shapes of one decoding: all points with face offsets (what npz exports store), or one
array a face.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from generator.packing import FORMAT_V1, CorruptStrokes, decode_varints

_CHUNK = 1024  # faces decoded in one pass: ~250 KB, so the temporaries stay in cache


def unpack_many_flat(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Packed stroke-3 of each face to all their points ``(P, 3)`` int16 and face offsets
    ``(n + 1,)`` int64: face i is ``points[offsets[i]:offsets[i + 1]]``.

    Raises :class:`~generator.packing.CorruptStrokes` if any face is damaged.
    """
    chunks = [
        _unpack_chunk(blobs[start : start + _CHUNK]) for start in range(0, len(blobs), _CHUNK)
    ]
    if len(chunks) <= 1:
        return chunks[0] if chunks else _unpack_chunk([])
    sizes = np.concatenate([np.diff(offsets) for _, offsets in chunks])  # (n,) points a face
    return np.concatenate([points for points, _ in chunks]), np.concatenate([[0], np.cumsum(sizes)])


def unpack_many(blobs: Sequence[bytes]) -> list[np.ndarray]:
    """Packed stroke-3 of each face -> ``(N_i, 3)`` int16 arrays, in order (views into one
    array a chunk of faces)."""
    out: list[np.ndarray] = []
    for start in range(0, len(blobs), _CHUNK):
        points, offsets = _unpack_chunk(blobs[start : start + _CHUNK])
        out += np.split(points, offsets[1:-1])
    return out


def _unpack_chunk(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`unpack_many_flat` of a few faces, in one call to ``decode_varints``."""
    blobs = [bytes(blob) for blob in blobs]
    if any(not blob or blob[0] != FORMAT_V1 for blob in blobs):
        raise CorruptStrokes("a packed stroke-3 is empty or not format version 1")
    byte_offsets = np.zeros(len(blobs) + 1, dtype=np.int64)  # (n + 1,) into the joined varints
    np.cumsum([len(blob) - 1 for blob in blobs], out=byte_offsets[1:])
    raw = np.frombuffer(b"".join(blob[1:] for blob in blobs), dtype=np.uint8)  # (B,)
    # A face's bytes must end its last varint, or its points would run into the next face's.
    last = byte_offsets[1:][np.diff(byte_offsets) > 0] - 1
    if (raw[last] & 0x80).any():
        raise CorruptStrokes("a packed stroke-3 is truncated: its last varint does not end")
    points, starts = decode_varints(raw)
    values_at = np.searchsorted(starts, byte_offsets)  # (n + 1,) values before each face
    if (values_at % 2).any():
        raise CorruptStrokes("a packed stroke-3 is corrupt: an odd number of values")
    return points, values_at // 2
