"""Turning generator output into Face rows (the bridge from numpy strokes to the database)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from facegallery.core.bulk import rows_insert_ignoring_conflicts
from facegallery.gallery.models import Face, FacePrecision, FaceStatus, GeneratorModel
from generator import strokes as stroke_formats


def stored_strokes(drawings: Sequence[np.ndarray], scale_factor: float) -> list[bytes]:
    """The Face.strokes bytes of each normalised stroke-3 drawing: packed integer pixels."""
    return [
        stroke_formats.stroke3_to_bytes(
            stroke_formats.stroke3_to_int16(stroke_formats.to_pixels(drawing, scale_factor))
        )
        for drawing in drawings
    ]


def face_build(
    *,
    generator: GeneratorModel,
    seed: int,
    temperature: float,
    strokes3: np.ndarray,
    stored: bytes,
    precision: str = "float32",
    generator_version_id: int | None = None,
    status: int = FaceStatus.VISIBLE,
    scorer_version: int | None = None,
    score: float | None = None,
    explored: bool = False,
    admission_probability: float = 1.0,
) -> Face:
    """An unsaved Face from normalised stroke-3 and its stored bytes (stored_strokes).

    precision: the resolved sampling precision the face was drawn in (generator.precision).
    generator_version_id: the tuned version that drew it (None: the base weights).
    """
    pen = strokes3[:, 2]
    return Face(
        generator=generator,
        seed=seed,
        temperature=temperature,
        precision=FacePrecision.from_name(precision),
        generator_version_id=generator_version_id,
        strokes=stored,
        num_points=len(strokes3),
        num_strokes=int(pen.sum()) + int(len(pen) > 0 and pen[-1] == 0),
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
    rows_insert_ignoring_conflicts(faces)
