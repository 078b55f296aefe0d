"""Decoding a whole chunk of packed faces at once (generator.packing, one numpy pass).

Faces store their stroke-3 as varints behind a version byte. Unpacking them one by one
costs a few dozen numpy calls a face, which is most of a million-face export; the varint
streams of a chunk are simply concatenated instead and decoded in one call, with each
face's offset recovered from where its bytes start.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from generator.packing import FORMAT_V1, unpack_stroke3


class CorruptStrokes(ValueError):
    pass


def stroke3_unpack_many(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Packed faces to all their points ``(P, 3)`` int16 and face offsets ``(n + 1,)`` int64.

    Face i is ``points[offsets[i]:offsets[i + 1]]``.
    """
    if any(not blob or blob[0] != FORMAT_V1 for blob in blobs):
        raise CorruptStrokes("a face's strokes are empty or in an unknown packed format")
    body = b"".join(blob[1:] for blob in blobs)
    byte_offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum([len(blob) - 1 for blob in blobs], out=byte_offsets[1:])
    raw = np.frombuffer(body, dtype=np.uint8)
    if raw.size:
        # A face's bytes must end its last varint, or its points would run into the next face.
        last = byte_offsets[1:][np.diff(byte_offsets) > 0] - 1
        if (raw[last] & 0x80).any():
            raise CorruptStrokes("a face's packed strokes are truncated")
    values_before = np.zeros(raw.size + 1, dtype=np.int64)
    np.cumsum((raw & 0x80) == 0, out=values_before[1:])
    values_at = values_before[byte_offsets]
    if (values_at % 2).any():
        raise CorruptStrokes("a face's packed strokes hold an odd number of values")
    try:
        points = unpack_stroke3(bytes([FORMAT_V1]) + body)
    except ValueError as exc:
        raise CorruptStrokes(str(exc)) from None
    return points, values_at // 2
