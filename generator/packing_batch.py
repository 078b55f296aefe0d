"""Decoding many packed faces at once (generator.packing format 1), for training and scoring.

``unpack_stroke3`` costs some fifteen numpy calls a face, about a minute for 100,000 faces on
a busy two-core machine. Here all the faces' bytes are joined and decoded in one vectorised
pass, then split: the same result as ``unpack_stroke3`` on each (tests/generator check it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from generator.packing import FORMAT_V1

_MAX_VARINT_BYTES = 3
_CHUNK = 2048  # faces decoded together: ~0.5 MB of bytes, so temporaries stay in cache


def unpack_many(blobs: Sequence[bytes]) -> list[np.ndarray]:
    """Packed stroke-3 bytes of each face -> ``(N_i, 3)`` int16 arrays, in order."""
    blobs = [bytes(b) for b in blobs]
    out: list[np.ndarray] = []
    for start in range(0, len(blobs), _CHUNK):
        out += _unpack_chunk(blobs[start : start + _CHUNK])
    return out


def _unpack_chunk(blobs: list[bytes]) -> list[np.ndarray]:
    if any(not b or b[0] != FORMAT_V1 for b in blobs):
        raise ValueError("a packed stroke-3 is empty or not format version 1")
    lengths = np.fromiter((len(b) - 1 for b in blobs), np.int64, len(blobs))  # payload bytes
    raw = np.frombuffer(b"".join(b[1:] for b in blobs), dtype=np.uint8)  # (B,)
    payload_end = np.cumsum(lengths)
    nonempty = lengths > 0
    if nonempty.any() and (raw[payload_end[nonempty] - 1] & 0x80).any():
        raise ValueError("a packed stroke-3 is truncated: its last varint does not end")
    ends = (raw & 0x80) == 0  # (B,) last byte of each value; no value spans two faces
    value_of_byte = np.concatenate([[0], np.cumsum(ends)[:-1]]).astype(np.int64)
    first_byte = np.flatnonzero(np.concatenate([[True], ends[:-1]]))  # (V,)
    position = np.arange(raw.size) - first_byte[value_of_byte]  # (B,)
    if raw.size and position.max() >= _MAX_VARINT_BYTES:
        raise ValueError("a packed stroke-3 is corrupt: a varint is longer than 3 bytes")
    parts = (raw & 0x7F).astype(np.int64) << (7 * position)
    values = np.bincount(value_of_byte, weights=parts, minlength=int(ends.sum())).astype(np.int64)
    ends_before = np.concatenate([[0], np.cumsum(ends)])  # values ending before byte k
    per_face = ends_before[payload_end] - ends_before[payload_end - lengths]  # (F,) values
    if (per_face % 2).any():
        raise ValueError("a packed stroke-3 is corrupt: an odd number of values")
    pairs = values.reshape(-1, 2)
    out = np.empty((len(pairs), 3), dtype=np.int64)
    out[:, 2] = pairs[:, 0] & 1
    for column, zigzag in ((0, pairs[:, 0] >> 1), (1, pairs[:, 1])):
        out[:, column] = (zigzag >> 1) ^ -(zigzag & 1)
    if out.size and (np.abs(out[:, :2]).max() > 32768 or out[:, :2].max() > 32767):
        raise ValueError("a packed stroke-3 is corrupt: a value is outside the int16 range")
    return np.split(out.astype(np.int16), np.cumsum(per_face // 2)[:-1])
