"""Turning generator output into Face rows (the bridge from numpy strokes to the database)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db import connection

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

    One array per column, unnested by PostgreSQL (``INSERT ... SELECT FROM unnest(...)``),
    rather than bulk_create's multi-row VALUES: Django assembling and psycopg converting a
    1,024-face VALUES list (24 parameters a face) took 0.4 s of the worker's 2.1 s a batch.
    The rows are the same: every concrete field but the id, prepared by the field as
    bulk_create prepares it.
    """
    if not faces:
        return
    fields = _insert_fields()
    # pre_save as bulk_create calls it (auto_now_add sets `created`), then the field's prep.
    arrays = [
        [field.get_db_prep_save(field.pre_save(face, True), connection) for face in faces]
        for field in fields
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    unnest = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            # Names from the model, values as parameters.
            f"INSERT INTO {Face._meta.db_table} ({columns}) "
            f"SELECT * FROM unnest({unnest}) ON CONFLICT DO NOTHING",
            arrays,
        )


def _insert_fields() -> list:
    return [field for field in Face._meta.local_concrete_fields if not field.primary_key]
