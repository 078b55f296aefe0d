"""Reads of generation: a primed batch and the faces it has landed so far."""

from __future__ import annotations

from dataclasses import dataclass

from facegallery.gallery.models import (
    BatchStatus,
    Face,
    FaceOrigin,
    FaceStatus,
    GenerationBatch,
)


@dataclass(frozen=True)
class PrimedBatch:
    batch: GenerationBatch
    faces: list[Face]  # landed and visible, in seed order (a moderator may hide some)

    @property
    def done(self) -> bool:
        return self.batch.status == BatchStatus.DONE


def primed_batch_get(*, batch_id: int) -> PrimedBatch | None:
    """A primed batch and its visible faces; None for no such batch or an ordinary one.

    Its faces are found by draw (generator, seed range, temperature): the face_unique_draw
    index, whatever the table's size."""
    batch = (
        GenerationBatch.objects.exclude(origin=FaceOrigin.GENERATED)
        .select_related("generator")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        return None
    seeds = batch.seeds
    faces = Face.objects.filter(
        generator=batch.generator,
        seed__gte=seeds.start,
        seed__lt=seeds.stop,
        temperature=batch.temperature,
        status=FaceStatus.VISIBLE,
    ).order_by("seed")
    return PrimedBatch(batch=batch, faces=list(faces))
