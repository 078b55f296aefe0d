"""Primed drawing: "more like this" (a face's first strokes) and "finish my drawing" (a
visitor's strokes) as small GenerationBatch rows that the ordinary worker task draws.

A request only checks, counts and queues (a few milliseconds, no decoder in the web process);
`face_generate_batch` sees the batch's origin and calls `primed_batch_generate`, which primes
the decoder with the batch's prime (generator.priming) and lands the faces with the batch, in
one transaction, exactly as an ordinary batch lands.

Admission of primed faces (a decision, not an accident):
- They are admitted VISIBLE without the scoring filter: the requester asked for these faces
  and sees every one of them; the scorer learned from unprimed draws and would be judging
  faces it has never seen the like of. Being visible they are public like any face: listed,
  votable, reportable, and a moderator hides them as any other (the admin filters by origin).
- They are not the generator's unconditional output, so they stay out of what measures or
  trains on that output: generation_top_up neither counts primed batches in flight nor
  primed faces in its pool (a burst of "more like this" must not stop the pool's top-up),
  and the scorer's labels and its calibration draws leave them out (scoring/selectors.py):
  their votes would skew the exploration-weighted, unbiased labels of unprimed faces.
- They draw with the base weights (no tuned generator version): the prime, not a rollout
  arm, is what the visitor chose.

Limits: per requester (voter, IP, IP prefix; PRIME_RATE per RATE_LIMIT_WINDOW_SECONDS) and a
global bound on primed batches still pending (PRIMED_IN_FLIGHT_MAX), both a 429 with
Retry-After; a prime of at most PRIME_MAX_POINTS points in PRIME_MAX_STROKES strokes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from facegallery.core import decoders
from facegallery.gallery.models import (
    BatchStatus,
    Face,
    FaceOrigin,
    FaceStatus,
    GenerationBatch,
    GeneratorModel,
)
from facegallery.gallery.services.faces import face_build, faces_insert, stored_strokes
from facegallery.voting.identity import VoterIdentity
from facegallery.voting.ratelimit import RateLimited, rate_limit_check
from generator import strokes as stroke_formats
from generator.priming import MIN_CONTINUATION, first_strokes, prime_check

logger = logging.getLogger(__name__)

PRIMED_COUNT = 6  # faces a primed batch draws: a screenful on a phone, ~0.3 s of one core
PRIMED_TEMPERATURE = 0.35  # "finish my drawing": the middle of the generation range
PRIMED_IN_FLIGHT_MAX = 8  # primed batches pending at once, site-wide, beside the top-up's
PRIMED_BUSY_RETRY_SECONDS = 5  # a worker lands a primed batch in about this long
# Primed batches per RATE_LIMIT_WINDOW_SECONDS (60) by identity kind: a visitor asks a few
# times a minute; a household or office shares an IP, a network a prefix.
PRIME_RATE = {"voter": 5, "ip": 15, "prefix": 30}
PRIME_MAX_POINTS = 64  # a visitor's first stroke or two, simplified (the face model: 121 in all)
PRIME_MAX_STROKES = 4
# A drawing comes as polylines in a square of DRAWING_BOX_PX pixels, at most
# STROKE_MAX_POINTS points a stroke: bounds a JSON schema can state, which keep every
# drawing it allows within the prime's (points, strokes, extent) and the API's body size.
DRAWING_BOX_PX = 1000
STROKE_MAX_POINTS = PRIME_MAX_POINTS // PRIME_MAX_STROKES
MORE_LIKE_THIS_STROKES = 2  # the opening a "more like this" keeps of its face ...
MORE_LIKE_THIS_POINTS = 40  # ... and at most this many of its points
_PRIMING_LOCK = 0x5052494D  # "PRIM": serialises the in-flight count with the insert


class PrimeRefused(ValueError):
    """A prime that cannot be drawn from; the message (one line) is safe to show."""

    status = 400


@dataclass(frozen=True)
class PrimedRequest:
    batch_id: int
    count: int


def primed_batch_request(
    *,
    identity: VoterIdentity,
    origin: FaceOrigin,
    strokes3_pixels: object,
    generator: GeneratorModel,
    primed_from: Face | None = None,
    temperature: float = PRIMED_TEMPERATURE,
) -> PrimedRequest:
    """Check the prime (stroke-3 in pixels, as Face.strokes), count the request against the
    limits, and queue a primed batch; its task runs after the commit.

    Raises PrimeRefused (nothing counted, nothing stored) or RateLimited (nothing stored).
    """
    from facegallery.generation.tasks import face_generate_batch as face_generate_batch_task

    stored = _prime_stored(strokes3_pixels, generator.scale_factor)
    rate_limit_check(
        action="prime",
        voter=identity.voter,
        ip_hash=identity.ip_hash,
        ip_prefix_hash=identity.ip_prefix_hash,
        limits=PRIME_RATE,
    )
    with transaction.atomic():
        # Two requests that both saw room would both insert: one at a time, for milliseconds.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PRIMING_LOCK])
        pending = GenerationBatch.objects.filter(status=BatchStatus.PENDING).exclude(
            origin=FaceOrigin.GENERATED
        )
        if pending.count() >= PRIMED_IN_FLIGHT_MAX:
            raise RateLimited(PRIMED_BUSY_RETRY_SECONDS)
        batch = GenerationBatch.objects.create(
            generator=generator,
            origin=origin,
            prime=stored,
            primed_from=primed_from,
            requester=identity.voter[:64],
            count=PRIMED_COUNT,
            temperature=round(temperature, 2),
            dispatched_at=timezone.now(),
        )
        transaction.on_commit(partial(_enqueue, face_generate_batch_task, batch.pk))
    return PrimedRequest(batch_id=batch.pk, count=batch.count)


def _enqueue(task, batch_id: int) -> None:
    """Send the batch to the workers without the publish retries (about a second with the
    broker down): a visitor's request must not wait on Redis. An unsent batch is not lost:
    it stays pending, and the top-up tick re-dispatches it when its lease runs out."""
    try:
        task.apply_async((batch_id,), retry=False)
    except (OSError, KombuOperationalError) as error:
        logger.warning("primed batch %s not sent (%s): the tick re-dispatches it", batch_id, error)


def _prime_stored(strokes3_pixels: object, scale: float) -> bytes:
    """The prime as Face.strokes bytes (integer pixels; `scale` pixels per normalised unit),
    or PrimeRefused."""
    try:
        arr = np.asarray(strokes3_pixels, dtype=np.float64)
    except (TypeError, ValueError):
        raise PrimeRefused("strokes must be [dx, dy, pen] number triples") from None
    if arr.size == 0:
        raise PrimeRefused("draw something first: the drawing is empty")
    if arr.ndim != 2 or arr.shape[1:] != (3,):
        raise PrimeRefused("strokes must be a list of [dx, dy, pen] triples")
    if len(arr) > PRIME_MAX_POINTS:
        raise PrimeRefused(f"the drawing has {len(arr)} points, more than {PRIME_MAX_POINTS}")
    if np.isfinite(arr).all() and int(arr[:, 2].sum()) > PRIME_MAX_STROKES:
        raise PrimeRefused(f"the drawing has more than {PRIME_MAX_STROKES} strokes")
    try:
        # The generator's own checks, in its units, bounded to the site's prime length.
        normalised = stroke_formats.to_normalised(arr, scale)
        prime = prime_check(normalised, PRIME_MAX_POINTS + MIN_CONTINUATION)
    except ValueError as error:
        message = str(error).replace("the prime", "the drawing").replace("stroke-3", "strokes")
        raise PrimeRefused(message) from None
    pixels = stroke_formats.to_pixels(prime.astype(np.float64), scale)
    return stroke_formats.stroke3_to_bytes(stroke_formats.stroke3_to_int16(pixels))


def drawing_to_stroke3(polylines: list[list[tuple[int, int]]]) -> np.ndarray:
    """A visitor's polylines (absolute pixels, y down) as stroke-3 pixels that start at the
    first point: where on the canvas the drawing began says nothing about the face."""
    lines = [np.asarray(line, dtype=np.float64).reshape(-1, 2) for line in polylines]
    if not lines or not len(lines[0]):
        return np.zeros((0, 3))
    origin = lines[0][0]
    return stroke_formats.polylines_to_stroke3([line - origin for line in lines])


def face_opening(face: Face) -> np.ndarray:
    """The first strokes of `face` a "more like this" continues: integer stroke-3 pixels."""
    strokes3 = stroke_formats.stroke3_from_bytes(bytes(face.strokes))
    return first_strokes(strokes3, strokes=MORE_LIKE_THIS_STROKES, max_points=MORE_LIKE_THIS_POINTS)


def primed_batch_generate(*, batch: GenerationBatch, sampler_batch_size: int = 256):
    """Draw a primed batch (face_generate_batch's branch for origin != GENERATED) and land
    its faces with the batch, once. Returns face_generate_batch's BatchResult."""
    from facegallery.generation.services.batches import BatchResult
    from generator.precision import resolve_precision
    from generator.priming import sample_primed

    decoder = decoders.decoder_get(batch.generator.name)
    precision = resolve_precision(settings.SAMPLING_PRECISION, decoder.head.weight.device)
    scale = batch.generator.scale_factor
    prime_pixels = stroke_formats.stroke3_from_bytes(bytes(batch.prime or b""))
    seeds = list(batch.seeds)
    drawings = sample_primed(
        decoder,
        stroke_formats.to_normalised(prime_pixels.astype(np.float64), scale),
        seeds,
        batch.temperature,
        batch_size=min(sampler_batch_size, len(seeds)),
        precision=precision,
    )
    stored = stored_strokes(drawings, scale)
    faces = []
    for seed, strokes3, data in zip(seeds, drawings, stored, strict=True):
        # Admitted regardless of the scorer (see the module docstring): no score, no filter.
        face = face_build(
            generator=batch.generator,
            seed=seed,
            temperature=batch.temperature,
            strokes3=strokes3,
            stored=data,
            precision=precision,
            status=FaceStatus.VISIBLE,
        )
        face.origin, face.primed_from_id = batch.origin, batch.primed_from_id
        faces.append(face)
    with transaction.atomic():
        locked = GenerationBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == BatchStatus.DONE:  # another worker finished it meanwhile
            return BatchResult(batch.pk, locked.generated, locked.admitted, already_done=True)
        faces_insert(faces)
        locked.status = BatchStatus.DONE
        locked.finished_at = timezone.now()
        locked.generated = locked.admitted = len(faces)
        locked.save(update_fields=["status", "finished_at", "generated", "admitted"])
    return BatchResult(batch.pk, locked.generated, locked.admitted)
