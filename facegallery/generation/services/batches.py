"""Continuous generation: keep the pool of unvoted visible faces at its target.

A beat tick calls `generation_top_up`, which creates GenerationBatch rows and enqueues one
task per batch; a worker runs `face_generate_batch`, which draws the batch's faces, passes
them through the scoring filter and inserts the admitted ones together with marking the
batch done, in one transaction. Nothing here loops or requeues itself.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from facegallery.core import decoders
from facegallery.gallery.models import (
    BatchStatus,
    FaceOrigin,
    GenerationBatch,
    GenerationSettings,
    GeneratorModel,
)
from facegallery.gallery.selectors import face_pool_count
from facegallery.gallery.services.faces import face_build, faces_insert, stored_strokes
from facegallery.generation.services.admission import (
    admission_decide,
    admission_reads_states,
    expected_admit_rate,
)
from facegallery.tuning.decoders import drawing_decoder_get
from facegallery.tuning.selectors import version_for_new_batch

logger = logging.getLogger(__name__)


def generator_model_get(name: str | None = None) -> GeneratorModel:
    """The GeneratorModel row for manifest entry `name` (default: the configured generator,
    GENERATOR_MODEL_NAME), registered on first use."""
    name = name or settings.GENERATOR_MODEL_NAME
    spec = decoders.weight_spec(name)
    existing = GeneratorModel.objects.filter(name=name, sha256=spec.sha256).first()
    if existing is not None:
        return existing
    decoder = decoders.decoder_get(name)
    generator, _ = GeneratorModel.objects.get_or_create(
        name=name, sha256=spec.sha256, defaults={"scale_factor": decoder.scale_factor}
    )
    return generator


@dataclass(frozen=True)
class TopUp:
    pool: int
    in_flight: int
    created: list[int]
    redispatched: list[int]


def generation_top_up(*, generator_name: str | None = None) -> TopUp:
    """Enqueue batches until pool + faces in flight reach the target (bounded in flight).

    Batches whose lease ran out (a worker died, the broker lost the message) are enqueued
    again: they draw the same seeds, so a late duplicate run inserts nothing twice.
    """
    from facegallery.generation.tasks import face_generate_batch as face_generate_batch_task

    with transaction.atomic():
        # One tick at a time, even with several beats or a manual run beside the scheduled one.
        config = GenerationSettings.current(lock=True)
        generator = generator_model_get(generator_name)
        now = timezone.now()
        pending = GenerationBatch.objects.filter(status=BatchStatus.PENDING)
        stale = list(
            pending.filter(
                dispatched_at__lt=now - timedelta(seconds=config.batch_lease_seconds)
            ).values_list("pk", flat=True)
        )
        pending.filter(pk__in=stale).update(dispatched_at=now)

        pool = face_pool_count()
        # Primed batches were asked for by visitors, not drawn for the pool: they neither
        # take a slot in flight nor promise faces to it (services/priming.py).
        ordinary = pending.filter(origin=FaceOrigin.GENERATED)
        in_flight = ordinary.count()
        admit_rate = expected_admit_rate(enabled=config.filter_enabled)
        expected = (ordinary.aggregate(n=Sum("count"))["n"] or 0) * admit_rate
        created = []
        while (
            pool + expected < config.target_pool_size and in_flight < config.max_batches_in_flight
        ):
            batch = GenerationBatch.objects.create(
                generator=generator,
                # The rollout's arm (facegallery/tuning): a candidate, the active version or
                # the base weights (None). A redispatched batch keeps its arm.
                generator_version=version_for_new_batch(generator_id=generator.pk),
                count=config.batch_size,
                temperature=_draw_temperature(config),
                dispatched_at=now,
            )
            created.append(batch.pk)
            in_flight += 1
            expected += batch.count * admit_rate
        for batch_id in [*stale, *created]:
            transaction.on_commit(partial(face_generate_batch_task.delay, batch_id))
    if created or stale:
        logger.info(
            "top-up: pool %s, enqueued %s new and %s stale batches", pool, len(created), len(stale)
        )
    return TopUp(pool=pool, in_flight=in_flight, created=created, redispatched=stale)


def _draw_temperature(config: GenerationSettings, rng: random.Random | None = None) -> float:
    # Two decimals: the temperature is part of a face's identity (unique with the seed).
    return round((rng or random).uniform(config.temperature_min, config.temperature_max), 2)


@dataclass(frozen=True)
class BatchResult:
    batch_id: int
    generated: int
    admitted: int
    already_done: bool = False


def face_generate_batch(
    *, batch_id: int, sampler_batch_size: int = 256, explore_rng: np.random.Generator | None = None
) -> BatchResult:
    """Draw, score and insert one batch. Idempotent: a done batch returns at once.

    `explore_rng`: the admission's exploration draws (default: fresh entropy)."""
    from facegallery.scoring.services.features import (
        nll_cache_store,
        normalised_drawings,
        representation_cache_store,
    )
    from generator.precision import resolve_precision
    from generator.sampling import sample_faces_with_nll, sample_faces_with_states

    batch = GenerationBatch.objects.select_related("generator").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return BatchResult(batch_id, batch.generated, batch.admitted, already_done=True)
    if batch.origin != FaceOrigin.GENERATED:  # "more like this", "finish my drawing"
        from facegallery.generation.services.priming import primed_batch_generate

        return primed_batch_generate(batch=batch, sampler_batch_size=sampler_batch_size)
    decoder = drawing_decoder_get(
        generator_name=batch.generator.name, version_id=batch.generator_version_id
    )
    seeds = list(batch.seeds)
    # Resolved here, on the worker that draws: "auto" depends on this CPU, and the face keeps
    # the answer (a batch retried elsewhere may draw in the other precision; each face says which).
    precision = resolve_precision(settings.SAMPLING_PRECISION, decoder.head.weight.device)
    # The scorer's features are the base weights' reading of a face: a tuned version's states
    # are not, so its faces get the teacher-forced pass in admission instead.
    base_weights = batch.generator_version_id is None
    pool = base_weights and admission_reads_states(generator_name=batch.generator.name)
    # The slow part runs outside any transaction: no locks are held while drawing.
    size = min(sampler_batch_size, len(seeds))
    pooled = None
    if pool:
        drawings, step_nlls, pooled = sample_faces_with_states(
            decoder, seeds, batch.temperature, batch_size=size, precision=precision
        )
    else:
        drawings, step_nlls = sample_faces_with_nll(
            decoder, seeds, batch.temperature, batch_size=size, precision=precision
        )
    stored = stored_strokes(drawings, batch.generator.scale_factor)  # packed once, used 3x
    # The likelihood came free with the sampling: cache it for the filter and for training.
    # Not a tuned version's: the scorer's feature is the base weights' NLL (the filter
    # computes that itself for a version's faces).
    if base_weights:
        nll_cache_store(
            generator_name=batch.generator.name,
            drawings=drawings,
            stored=stored,
            step_nlls=step_nlls,
        )
    if pooled is not None:  # so were the decoder states a representation scorer reads
        # Its layout part is read from the face as stored (rounded to pixels), as training and
        # a recomputation read it: a segment on a cell's edge may fall either side otherwise.
        as_stored = normalised_drawings(stored, batch.generator.scale_factor)
        representation_cache_store(
            generator_name=batch.generator.name, drawings=as_stored, stored=stored, pooled=pooled
        )
    decisions = admission_decide(
        drawings=drawings, temperature=batch.temperature, stored=stored, rng=explore_rng
    )
    faces = [
        face_build(
            generator=batch.generator,
            generator_version_id=batch.generator_version_id,
            seed=seed,
            temperature=batch.temperature,
            strokes3=strokes3,
            stored=data,
            precision=precision,
            **decision.as_fields(),
        )
        for seed, strokes3, data, decision in zip(seeds, drawings, stored, decisions, strict=True)
    ]
    with transaction.atomic():
        locked = GenerationBatch.objects.select_for_update().get(pk=batch_id)
        if locked.status == BatchStatus.DONE:  # another worker finished it meanwhile
            return BatchResult(batch_id, locked.generated, locked.admitted, already_done=True)
        faces_insert(faces)
        locked.status = BatchStatus.DONE
        locked.finished_at = timezone.now()
        locked.generated = len(faces)
        locked.admitted = sum(1 for face in faces if face.status == 1)
        locked.save(update_fields=["status", "finished_at", "generated", "admitted"])
    return BatchResult(batch_id, locked.generated, locked.admitted)


def faces_generate_now(
    *,
    count: int,
    temperature: float | None = None,
    batch_size: int = 256,
    progress=None,
    rng: random.Random | None = None,
    explore_rng: np.random.Generator | None = None,
) -> list[BatchResult]:
    """Back-fill `count` faces in this process (the generate_faces command).

    `rng` draws the batches' temperatures and `explore_rng` the admission's exploration, for
    a repeatable run (simulate_voters --seed); the faces' own seeds come from the batch ids."""
    config = GenerationSettings.current()
    generator = generator_model_get()
    results = []
    remaining = count
    while remaining > 0:
        size = min(remaining, GenerationBatch.SEED_STRIDE, batch_size)
        batch = GenerationBatch.objects.create(
            generator=generator,
            generator_version=version_for_new_batch(generator_id=generator.pk, rng=rng),
            count=size,
            temperature=(
                _draw_temperature(config, rng) if temperature is None else round(temperature, 2)
            ),
            dispatched_at=timezone.now(),
        )
        results.append(
            face_generate_batch(
                batch_id=batch.pk, sampler_batch_size=batch_size, explore_rng=explore_rng
            )
        )
        remaining -= size
        if progress:
            progress(size)
    return results
