"""What an export should hold, worked out with the project's own stroke decoder and plain
Python, never with the export code under test."""

from __future__ import annotations

import hashlib

import numpy as np

from facegallery.gallery.models import Face
from generator.strokes import stroke3_from_bytes


def expected_split(face_id: int, ratio=(80, 10, 10)) -> str:
    bucket = int.from_bytes(hashlib.sha256(str(face_id).encode()).digest()[:8], "big") % 100
    return "train" if bucket < ratio[0] else "valid" if bucket < ratio[0] + ratio[1] else "test"


def expected_majority(face: Face) -> str | None:
    if face.interesting_count == face.boring_count:
        return None
    return "interesting" if face.interesting_count > face.boring_count else "boring"


def strokes_of(face: Face) -> np.ndarray:
    return stroke3_from_bytes(bytes(face.strokes))
