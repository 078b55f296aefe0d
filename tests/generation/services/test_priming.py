"""Primed batches: "more like this" and "finish my drawing" through the normal pipeline,
within their limits, out of the pool's and the scorer's accounts."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from facegallery.gallery.models import (
    BatchStatus,
    Face,
    FaceOrigin,
    FaceStatus,
    GenerationBatch,
)
from facegallery.generation.services.batches import face_generate_batch, generation_top_up
from facegallery.generation.services.priming import (
    PRIME_MAX_POINTS,
    PRIME_MAX_STROKES,
    PRIME_RATE,
    PRIMED_COUNT,
    PRIMED_IN_FLIGHT_MAX,
    PrimeRefused,
    face_opening,
    primed_batch_request,
)
from facegallery.generation.tasks import face_generate_batch as face_generate_batch_task
from facegallery.scoring.selectors import vote_counts_fetch
from facegallery.voting.identity import VoterIdentity
from facegallery.voting.ratelimit import RateLimited
from generator import strokes as stroke_formats
from tests.factories import FaceFactory, GenerationBatchFactory, VoteFactory

pytestmark = pytest.mark.django_db

# A visitor's drawing in pixels: an outline's arc and a dot for an eye.
DRAWING = [[0, 0, 0], [60, -40, 0], [90, 10, 0], [40, 80, 1], [-30, -70, 1]]


def visitor() -> VoterIdentity:
    """A new visitor (Redis keeps rate limits across tests: a fresh identity each time)."""
    key = uuid.uuid4().hex
    return VoterIdentity(f"anon:{key}", None, f"ip-{key}", f"prefix-{key}")


@pytest.fixture
def enqueued_batch_ids(monkeypatch) -> list[int]:
    """The batch ids sent to the worker: sending records instead (run inside
    django_capture_on_commit_callbacks), so each test calls the task's service itself."""
    sent: list[int] = []
    monkeypatch.setattr(face_generate_batch_task, "delay", sent.append)  # the top-up's way
    monkeypatch.setattr(
        face_generate_batch_task, "apply_async", lambda args, **options: sent.append(*args)
    )
    return sent


def request_drawing(generator, identity=None, strokes=DRAWING):
    return primed_batch_request(
        identity=identity or visitor(),
        origin=FaceOrigin.VISITOR_PRIMED,
        strokes3_pixels=strokes,
        generator=generator,
    )


def test_more_like_this_queues_a_small_batch_primed_with_the_faces_opening(
    generator, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    face, asking = FaceFactory.create(), visitor()
    with django_capture_on_commit_callbacks(execute=True):
        queued = primed_batch_request(
            identity=asking,
            origin=FaceOrigin.MORE_LIKE_THIS,
            strokes3_pixels=face_opening(face),
            generator=face.generator,
            primed_from=face,
            temperature=face.temperature,
        )
    batch = GenerationBatch.objects.get(pk=queued.batch_id)
    assert enqueued_batch_ids == [batch.pk]
    assert (batch.origin, batch.primed_from, batch.requester) == (
        FaceOrigin.MORE_LIKE_THIS, face, asking.voter,
    )  # fmt: skip
    assert batch.count == PRIMED_COUNT and batch.status == BatchStatus.PENDING
    opening = stroke_formats.stroke3_from_bytes(bytes(batch.prime or b""))
    np.testing.assert_array_equal(opening, face_opening(face))
    assert 0 < len(opening) < face.num_points


def test_the_primed_faces_start_with_the_faces_own_first_strokes(
    generator, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    face = FaceFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        queued = primed_batch_request(
            identity=visitor(),
            origin=FaceOrigin.MORE_LIKE_THIS,
            strokes3_pixels=face_opening(face),
            generator=face.generator,
            primed_from=face,
            temperature=face.temperature,
        )
    result = face_generate_batch(batch_id=queued.batch_id)
    assert result.generated == result.admitted == PRIMED_COUNT
    opening = face_opening(face)
    primed = Face.objects.filter(primed_from=face).order_by("seed")
    assert len(primed) == PRIMED_COUNT
    drawn = [stroke_formats.stroke3_from_bytes(bytes(f.strokes)) for f in primed]
    for strokes in drawn:
        np.testing.assert_array_equal(strokes[: len(opening)], opening)
    assert len({strokes.tobytes() for strokes in drawn}) > 1  # each seed drew its own ending
    assert {(f.origin, f.status, f.score) for f in primed} == {
        (FaceOrigin.MORE_LIKE_THIS, FaceStatus.VISIBLE, None)
    }
    assert GenerationBatch.objects.get(pk=queued.batch_id).status == BatchStatus.DONE
    assert face_generate_batch(batch_id=queued.batch_id).already_done


def test_a_visitors_drawing_lands_as_visitor_primed_faces_that_start_with_it(
    generator, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = request_drawing(generator)
    face_generate_batch(batch_id=queued.batch_id)
    faces = Face.objects.filter(origin=FaceOrigin.VISITOR_PRIMED)
    assert faces.count() == PRIMED_COUNT
    for face in faces:
        assert face.primed_from_id is None
        strokes = stroke_formats.stroke3_from_bytes(bytes(face.strokes))
        np.testing.assert_array_equal(strokes[: len(DRAWING)], DRAWING)


@pytest.mark.parametrize(
    ("strokes", "message"),
    [
        ([], "empty"),
        ([[1, 2]], "triples"),
        ([[1, 2, 1, 4]], "triples"),
        ([["a", 2, 1]], "number triples"),
        ([[float("nan"), 0, 1]], "NaN"),
        ([[float("inf"), 0, 1]], "NaN"),
        ([[1e7, 0, 1]], "spans"),
        ([[1, 1, 0]], "lift the pen"),
        ([[1, 1, 2]], "pen column"),
        ([[1, 0, 0]] * PRIME_MAX_POINTS + [[1, 0, 1]], "points"),
        ([[1, 0, 1]] * (PRIME_MAX_STROKES + 1), "strokes"),
    ],
)
def test_a_bad_drawing_is_refused_with_a_message_and_nothing_is_stored(
    generator, strokes, message, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PrimeRefused) as error:
        request_drawing(generator, strokes=strokes)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert GenerationBatch.objects.count() == 0 and enqueued_batch_ids == []


def test_a_requester_over_its_rate_is_told_when_to_come_back(
    generator, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    eager = visitor()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(PRIME_RATE["voter"]):
            request_drawing(generator, identity=eager)
        with pytest.raises(RateLimited) as limited:
            request_drawing(generator, identity=eager)
        request_drawing(generator)  # another visitor is not held up
    assert 1 <= limited.value.retry_after <= 60
    assert GenerationBatch.objects.count() == len(enqueued_batch_ids) == PRIME_RATE["voter"] + 1


def test_primed_batches_in_flight_are_bounded_site_wide(
    generator, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    pending = [
        GenerationBatchFactory.create(generator=generator, origin=FaceOrigin.VISITOR_PRIMED)
        for _ in range(PRIMED_IN_FLIGHT_MAX)
    ]
    GenerationBatchFactory.create(generator=generator)  # an ordinary batch takes no slot
    with pytest.raises(RateLimited) as busy:
        request_drawing(generator)
    assert busy.value.retry_after >= 1
    GenerationBatch.objects.filter(pk=pending[0].pk).update(status=BatchStatus.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        request_drawing(generator)
    assert len(enqueued_batch_ids) == 1


def test_primed_batches_and_faces_do_not_count_towards_the_pool_top_up(
    generation_settings, generator, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    generation_settings.target_pool_size = 8
    generation_settings.batch_size = 8
    generation_settings.max_batches_in_flight = 1
    generation_settings.save()
    GenerationBatchFactory.create(generator=generator, origin=FaceOrigin.MORE_LIKE_THIS)
    FaceFactory.create_batch(12, origin=FaceOrigin.VISITOR_PRIMED)  # unvoted, visible
    with django_capture_on_commit_callbacks(execute=True):
        top_up = generation_top_up()
    assert top_up.pool == 0 and top_up.in_flight == 1 and len(top_up.created) == 1


def test_votes_on_primed_faces_are_not_scorer_labels(generator):
    drawn = FaceFactory.create()
    primed = FaceFactory.create(origin=FaceOrigin.MORE_LIKE_THIS, primed_from=drawn)
    VoteFactory.create(face=drawn)
    VoteFactory.create(face=primed)
    assert vote_counts_fetch().face_ids.tolist() == [drawn.pk]
