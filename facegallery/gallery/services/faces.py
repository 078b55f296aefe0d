"""Turning generator output into Face rows (the bridge from numpy strokes to the database)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from facegallery.gallery.models import Face, FaceStatus, GeneratorModel
from generator import strokes as stroke_formats


def face_build(
    *,
    generator: GeneratorModel,
    seed: int,
    temperature: float,
    strokes3: np.ndarray,
    status: int = FaceStatus.VISIBLE,
    scorer_version: int | None = None,
    score: float | None = None,
    explored: bool = False,
    admission_probability: float = 1.0,
) -> Face:
    """An unsaved Face from normalised stroke-3 (stored as packed integer pixels)."""
    pixels = stroke_formats.stroke3_to_int16(
        stroke_formats.to_pixels(strokes3, generator.scale_factor)
    )
    return Face(
        generator=generator,
        seed=seed,
        temperature=temperature,
        strokes=stroke_formats.stroke3_to_bytes(pixels),
        num_points=len(pixels),
        num_strokes=int(pixels[:, 2].sum()) + int(len(pixels) > 0 and pixels[-1, 2] == 0),
        status=status,
        scorer_version=scorer_version,
        score=score,
        explored=explored,
        admission_probability=admission_probability,
    )


def faces_insert(faces: Sequence[Face]) -> None:
    """Insert in one statement, skipping any (generator, seed, temperature) already present.

    Callers serialise on the batch row, so a conflict means a retry that already landed.
    """
    Face.objects.bulk_create(faces, ignore_conflicts=True)
