"""Features of faces for the scorer, from stored strokes or fresh drawings, NLL cached.

Both paths (admission of fresh drawings, training on stored faces) featurise the *stored*
form of a drawing: the rounded pixel stroke-3 that Face.strokes holds (see
gallery.services.faces.stored_strokes), scaled back to normalised units. So a face gets
exactly the same features at admission and at training time,
and the NLL computed at admission (DrawingNll, keyed by the stored bytes) is found again.

The learned representation (generator.representation) is cached the same way
(DrawingRepresentation). It needs the decoder's teacher-forced pass over the stored drawing,
run the first time a scorer that reads it sees the face: at admission once such a scorer is
active, or at training for faces drawn before. The same pass also yields the NLL, so a face
whose NLL was not cached gets both at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from facegallery.core import decoders
from facegallery.core.bulk import rows_insert_ignoring_conflicts
from facegallery.scoring.models import DrawingNll, DrawingRepresentation
from generator import features
from generator.packing_batch import unpack_many
from generator.representation import REPR_VERSION, REPR_WIDTH
from generator.scorer import FeatureBatch, ScorerConfig

_NLL_WIDTH = len(features.NLL_NAMES)


def nll_key(generator_name: str, stored: bytes) -> str:
    return hashlib.sha1(generator_name.encode() + b"\0" + bytes(stored)).hexdigest()


def representation_key(generator_name: str, stored: bytes) -> str:
    prefix = f"repr{REPR_VERSION}:{generator_name}".encode()
    return hashlib.sha1(prefix + b"\0" + bytes(stored)).hexdigest()


def normalised_drawings(stored: Sequence[bytes], scale_factor: float) -> list[np.ndarray]:
    """Face.strokes bytes -> normalised float32 stroke-3 (decoded in one batch)."""
    out = []
    for pixels in unpack_many(stored):
        drawing = pixels.astype(np.float32)
        drawing[:, :2] /= scale_factor
        out.append(drawing)
    return out


def nll_cache_store(
    *,
    generator_name: str,
    drawings: Sequence[np.ndarray],
    stored: Sequence[bytes],
    step_nlls: Sequence[np.ndarray | None],
) -> None:
    """Cache the NLL the sampler measured while drawing (generator.sampling.sample_faces_with_nll)
    so that neither the admission filter nor training needs a second decoder pass. A face
    without one (None) is left to _nll_rows, which runs drawing_nll for it."""
    from generator.likelihood import summarise

    measured = [
        (data, summarise(per_step, drawing[:, 2]))
        for data, drawing, per_step in zip(stored, drawings, step_nlls, strict=True)
        if per_step is not None
    ]
    if not measured:
        return
    stats = features.nll_stats([nll for _, nll in measured])
    rows_insert_ignoring_conflicts(  # a retried batch draws the same faces
        [
            DrawingNll(key=nll_key(generator_name, data), values=row.tobytes())
            for (data, _), row in zip(measured, stats, strict=True)
        ]
    )


def _nll_rows(generator_name: str, stored: Sequence[bytes], drawings: list[np.ndarray]):
    """(N, NLL width) float32: cached rows, the missing ones computed and cached."""
    from generator.likelihood import drawing_nll

    keys = [nll_key(generator_name, data) for data in stored]
    cached = {
        row.key: np.frombuffer(bytes(row.values), np.float32)
        for row in DrawingNll.objects.filter(key__in=set(keys))
    }
    missing = [k for k, key in enumerate(keys) if key not in cached]
    if missing:
        decoder = decoders.decoder_get(generator_name)
        computed = features.nll_stats(drawing_nll(decoder, [drawings[k] for k in missing]))
        fresh = {keys[k]: row for k, row in zip(missing, computed, strict=True)}
        rows_insert_ignoring_conflicts(  # a concurrent worker or a retried batch stored it first
            [DrawingNll(key=key, values=row.tobytes()) for key, row in fresh.items()]
        )
        cached.update(fresh)
    return np.stack([cached[key] for key in keys]) if keys else np.zeros((0, _NLL_WIDTH))


def representation_cache_store(
    *,
    generator_name: str,
    drawings: Sequence[np.ndarray],
    stored: Sequence[bytes],
    pooled: Sequence[np.ndarray | None],
) -> None:
    """Cache representations whose decoder states a sampler pooled while drawing
    (generator.representation.StatePool), as nll_cache_store does for the NLL, so admission
    needs no teacher-forced pass for them. None: not pooled (left to _representation_rows)."""
    from generator.representation import represent

    kept = [k for k, row in enumerate(pooled) if row is not None]
    if not kept:
        return
    rows = np.stack([np.asarray(pooled[k], np.float32) for k in kept])  # (M, len(POOLS) * H)
    values = represent(rows, [drawings[k] for k in kept]).astype(np.float16)
    rows_insert_ignoring_conflicts(  # a retried batch draws the same faces
        [
            DrawingRepresentation(
                key=representation_key(generator_name, stored[k]), values=row.tobytes()
            )
            for k, row in zip(kept, values, strict=True)
        ]
    )


def _representation_rows(
    generator_name: str, stored: Sequence[bytes], drawings: list[np.ndarray]
) -> np.ndarray:
    """(N, REPR_WIDTH) float32: cached rows, the missing ones computed (one teacher-forced
    decoder pass, which also caches any missing NLL row) and cached."""
    from generator.likelihood import drawing_nll_and_states
    from generator.representation import represent

    keys = [representation_key(generator_name, data) for data in stored]
    cached = {
        row.key: np.frombuffer(bytes(row.values), np.float16)
        for row in DrawingRepresentation.objects.filter(key__in=set(keys))
    }
    missing = sorted({keys[k]: k for k in range(len(keys)) if keys[k] not in cached}.values())
    if missing:
        decoder = decoders.decoder_get(generator_name)
        todo = [drawings[k] for k in missing]
        nlls, pooled = drawing_nll_and_states(decoder, todo)
        # float16 keeps 3 significant digits: far below the spread the head standardises by.
        rows = represent(pooled, todo).astype(np.float16)  # (M, REPR_WIDTH)
        fresh = {keys[k]: row for k, row in zip(missing, rows, strict=True)}
        rows_insert_ignoring_conflicts(  # a concurrent worker or a retried batch stored it first
            [DrawingRepresentation(key=key, values=row.tobytes()) for key, row in fresh.items()]
        )
        nll_rows = features.nll_stats(nlls)
        rows_insert_ignoring_conflicts(  # most were cached by the sampler already
            [
                DrawingNll(key=nll_key(generator_name, stored[k]), values=row.tobytes())
                for k, row in zip(missing, nll_rows, strict=True)
            ]
        )
        cached.update(fresh)
    if not keys:
        return np.zeros((0, REPR_WIDTH), np.float32)
    return np.stack([cached[key] for key in keys]).astype(np.float32)


def feature_batch(
    *,
    config: ScorerConfig,
    stored: Sequence[bytes],
    temperatures: Sequence[float],
    scale_factor: float,
    generator_name: str,
) -> FeatureBatch:
    """The scorer inputs for faces given by their stored stroke bytes, in order."""
    drawings = normalised_drawings(stored, scale_factor)
    stats, raster = features.featurize(drawings)
    columns = [stats]
    # The representation first: its decoder pass also fills the NLL cache for those faces.
    rep = _representation_rows(generator_name, stored, drawings) if config.use_repr else None
    if config.use_nll:
        columns.append(_nll_rows(generator_name, stored, drawings))
    if config.use_temperature:
        columns.append(np.asarray(temperatures, np.float32).reshape(-1, 1))
    tabular = np.concatenate(columns, axis=1).astype(np.float32)
    return FeatureBatch(tabular, raster if config.use_raster else None, rep)


def face_feature_batch(*, config: ScorerConfig, rows: Sequence[dict]) -> FeatureBatch:
    """Features of Face rows given as dicts with strokes, temperature, generator__name and
    generator__scale_factor (see selectors.face_rows_for_features), in order."""
    if not rows:
        width = len(config.tabular_names())
        empty = np.zeros((0, features.RASTER_SIZE, features.RASTER_SIZE), np.float32)
        return FeatureBatch(
            np.zeros((0, width), np.float32),
            empty if config.use_raster else None,
            np.zeros((0, REPR_WIDTH), np.float32) if config.use_repr else None,
        )
    parts: list[tuple[np.ndarray, FeatureBatch]] = []
    groups: dict[tuple[str, float], list[int]] = {}
    for k, row in enumerate(rows):
        groups.setdefault((row["generator__name"], row["generator__scale_factor"]), []).append(k)
    for (name, scale), index in groups.items():
        batch = feature_batch(
            config=config,
            stored=[rows[k]["strokes"] for k in index],
            temperatures=[rows[k]["temperature"] for k in index],
            scale_factor=scale,
            generator_name=name,
        )
        parts.append((np.asarray(index), batch))
    order = np.argsort(np.concatenate([index for index, _ in parts]))
    tabular = np.concatenate([b.tabular for _, b in parts])[order]
    raster = rep = None
    if config.use_raster:
        raster = np.concatenate([b.raster for _, b in parts])[order]
    if config.use_repr:
        rep = np.concatenate([b.repr for _, b in parts])[order]
    return FeatureBatch(tabular, raster, rep)
