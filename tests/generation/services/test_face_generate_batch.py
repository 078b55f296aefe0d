"""face_generate_batch draws a batch's seeds and lands them with the batch, exactly once."""

from __future__ import annotations

import numpy as np
import pytest

from facegallery.core.decoders import decoder_get
from facegallery.gallery.models import (
    BatchStatus,
    Face,
    FacePrecision,
    FaceStatus,
    GenerationBatch,
)
from facegallery.generation.services.batches import face_generate_batch
from generator import strokes as stroke_formats
from generator.sampling import sample_faces
from tests.factories import GenerationBatchFactory

pytestmark = pytest.mark.django_db


def test_it_inserts_one_visible_face_per_seed_and_marks_the_batch_done(generator):
    batch = GenerationBatchFactory.create(generator=generator)
    result = face_generate_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.finished_at is not None
    assert result.generated == result.admitted == batch.count
    faces = Face.objects.filter(generator=generator).order_by("seed")
    assert [f.seed for f in faces] == list(batch.seeds)
    assert {f.status for f in faces} == {FaceStatus.VISIBLE}
    assert {f.temperature for f in faces} == {0.3}


def test_the_stored_strokes_are_the_sampler_output_in_int16_pixels(generator):
    batch = GenerationBatchFactory.create(generator=generator, count=3)
    face_generate_batch(batch_id=batch.pk)
    decoder = decoder_get("face")
    precision = FacePrecision(Face.objects.get(seed=batch.seeds[0]).precision).label
    expected = sample_faces(decoder, list(batch.seeds), batch.temperature, precision=precision)
    for face, drawing in zip(Face.objects.order_by("seed"), expected, strict=True):
        stored = stroke_formats.stroke3_from_bytes(bytes(face.strokes))
        assert face.num_points == len(stored) == len(drawing)
        assert face.num_strokes == int(stored[:, 2].sum()) + int(stored[-1, 2] == 0)
        # Absolute positions within half a pixel: rounding never accumulates.
        exact = np.cumsum(drawing[:, :2] * generator.scale_factor, axis=0)
        assert np.abs(np.cumsum(stored[:, :2], axis=0) - exact).max() <= 0.5 + 1e-3


def test_running_a_done_batch_again_inserts_nothing(generator):
    batch = GenerationBatchFactory.create(generator=generator)
    face_generate_batch(batch_id=batch.pk)
    again = face_generate_batch(batch_id=batch.pk)
    assert again.already_done
    assert Face.objects.count() == batch.count


def test_a_batch_whose_faces_already_landed_does_not_fail_or_duplicate(generator):
    # A worker that died after its commit but before acking: the redelivered batch finds
    # its faces present. Simulate by resetting the batch to pending.
    batch = GenerationBatchFactory.create(generator=generator)
    face_generate_batch(batch_id=batch.pk)
    GenerationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.PENDING)
    face_generate_batch(batch_id=batch.pk)
    assert Face.objects.count() == batch.count


def test_the_same_seed_and_temperature_give_the_same_face_in_any_batch(generator):
    small = GenerationBatchFactory.create(generator=generator, count=2)
    face_generate_batch(batch_id=small.pk)
    first = Face.objects.get(seed=small.seeds[1])
    decoder = decoder_get("face")
    seeds = [small.seeds[1] - 7, small.seeds[1], small.seeds[1] + 9]
    precision = FacePrecision(first.precision).label
    redrawn = sample_faces(decoder, seeds, small.temperature, batch_size=3, precision=precision)[1]
    pixels = stroke_formats.stroke3_to_int16(
        stroke_formats.to_pixels(redrawn, generator.scale_factor)
    )
    assert stroke_formats.stroke3_to_bytes(pixels) == bytes(first.strokes)


@pytest.mark.parametrize("setting", ["float32", "bfloat16"])
def test_each_face_records_the_precision_it_was_drawn_in(generator, settings, setting):
    settings.SAMPLING_PRECISION = setting
    batch = GenerationBatchFactory.create(generator=generator, count=2)
    face_generate_batch(batch_id=batch.pk)
    assert {FacePrecision(f.precision).label for f in Face.objects.all()} == {setting}


def test_auto_records_float32_on_a_cpu_without_native_bfloat16(generator, settings, monkeypatch):
    monkeypatch.setattr("generator.precision.cpu_has_native_bfloat16", lambda: False)
    settings.SAMPLING_PRECISION = "auto"
    batch = GenerationBatchFactory.create(generator=generator, count=2)
    face_generate_batch(batch_id=batch.pk)
    assert set(Face.objects.values_list("precision", flat=True)) == {FacePrecision.FLOAT32}


def test_the_nll_measured_while_sampling_is_cached_for_the_filter_and_training(generator):
    from facegallery.scoring.models import DrawingNll
    from facegallery.scoring.services.features import nll_key

    batch = GenerationBatchFactory.create(generator=generator, count=8)
    face_generate_batch(batch_id=batch.pk)
    keys = {nll_key("face", bytes(f.strokes)) for f in Face.objects.all()}
    cached = set(DrawingNll.objects.filter(key__in=keys).values_list("key", flat=True))
    assert cached == keys and len(keys) == 8  # faces cut at max_seq_len too
