"""generation_top_up keeps pool + in-flight faces at the target, bounded, and re-dispatches
batches whose lease ran out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from facegallery.gallery.models import BatchStatus, FaceStatus, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch, generation_top_up
from facegallery.generation.tasks import face_generate_batch as face_generate_batch_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pool(generation_settings):
    generation_settings.target_pool_size = 20
    generation_settings.batch_size = 8
    generation_settings.max_batches_in_flight = 2
    generation_settings.save()
    return generation_settings


@pytest.fixture
def enqueued_batch_ids(monkeypatch) -> list[int]:
    """The batch ids sent to the worker: face_generate_batch.delay records instead of
    sending (the on-commit callbacks run inside django_capture_on_commit_callbacks)."""
    sent: list[int] = []
    monkeypatch.setattr(face_generate_batch_task, "delay", sent.append)
    return sent


def test_it_enqueues_batches_up_to_the_in_flight_bound(
    small_pool, generator, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    with django_capture_on_commit_callbacks(execute=True):
        result = generation_top_up()
    assert result.pool == 0
    assert len(result.created) == 2  # 20 wanted, but only 2 batches of 8 may be in flight
    assert enqueued_batch_ids == result.created
    assert GenerationBatch.objects.filter(status=BatchStatus.PENDING).count() == 2


def test_it_counts_faces_in_flight_so_the_pool_does_not_overshoot(small_pool, generator):
    small_pool.max_batches_in_flight = 10
    small_pool.save()
    first = generation_top_up()
    assert len(first.created) == 3  # 3 × 8 ≥ 20
    assert generation_top_up().created == []


def test_a_full_pool_enqueues_nothing(small_pool, generator, django_capture_on_commit_callbacks):
    small_pool.max_batches_in_flight = 10
    small_pool.save()
    for batch_id in generation_top_up().created:
        face_generate_batch(batch_id=batch_id)
    with django_capture_on_commit_callbacks() as callbacks:
        result = generation_top_up()
    assert result.pool == 24 and result.created == [] and callbacks == []


def test_votes_and_hidden_faces_take_faces_out_of_the_pool(small_pool, generator):
    small_pool.max_batches_in_flight = 10
    small_pool.save()
    for batch_id in generation_top_up().created:
        face_generate_batch(batch_id=batch_id)
    from facegallery.gallery.models import Face

    ids = list(Face.objects.values_list("pk", flat=True)[:6])
    Face.objects.filter(pk__in=ids[:3]).update(interesting_count=1)
    Face.objects.filter(pk__in=ids[3:]).update(status=FaceStatus.HIDDEN)
    result = generation_top_up()
    assert result.pool == 18
    assert len(result.created) == 1


def test_a_batch_past_its_lease_is_enqueued_again(
    small_pool, generator, django_capture_on_commit_callbacks, enqueued_batch_ids
):
    created = generation_top_up().created
    GenerationBatch.objects.filter(pk=created[0]).update(
        dispatched_at=timezone.now() - timedelta(seconds=small_pool.batch_lease_seconds + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = generation_top_up()
    assert result.redispatched == [created[0]]
    assert result.created == []  # still 2 in flight
    assert enqueued_batch_ids == [created[0]]


def test_temperatures_stay_in_the_configured_range(small_pool, generator):
    small_pool.temperature_min, small_pool.temperature_max = 0.2, 0.3
    small_pool.max_batches_in_flight = 10
    small_pool.save()
    generation_top_up()
    temperatures = GenerationBatch.objects.values_list("temperature", flat=True)
    assert all(0.2 <= t <= 0.3 and round(t, 2) == t for t in temperatures)
