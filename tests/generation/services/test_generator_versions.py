"""Generation draws each batch with the version of its rollout arm, records it on the faces,
and never draws with a version whose rails failed."""

from __future__ import annotations

import random

import pytest
import torch

from facegallery.core.decoders import decoder_get
from facegallery.gallery.models import (
    BatchStatus,
    Face,
    FacePrecision,
    GenerationBatch,
    GenerationSettings,
    VersionStatus,
)
from facegallery.gallery.services.faces import stored_strokes
from facegallery.generation.services.batches import (
    face_generate_batch,
    faces_generate_now,
    generation_top_up,
)
from facegallery.tuning.decoders import (
    VersionUnusable,
    version_decoder_get,
    version_decoders_clear,
)
from generator.sampling import sample_faces
from tests.factories import GenerationBatchFactory, GeneratorVersionFactory
from tests.tuning.conftest import tuned_artifact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_version_decoders():
    """Versions loaded afresh each test (ids restart), drawn on one torch thread (two on two
    busy cores draw about ten times slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    version_decoders_clear()
    yield
    version_decoders_clear()
    torch.set_num_threads(threads)


def small_top_up(batches: int) -> list[GenerationBatch]:
    GenerationSettings.objects.update_or_create(
        pk=1, defaults={"target_pool_size": 4 * batches, "batch_size": 4,
                        "max_batches_in_flight": batches},
    )  # fmt: skip
    created = generation_top_up().created
    return list(GenerationBatch.objects.filter(pk__in=created))


def test_without_versions_batches_are_drawn_by_the_base_weights(generator):
    assert {batch.generator_version for batch in small_top_up(3)} == {None}


def test_a_candidate_draws_its_share_of_new_batches_and_the_active_one_the_rest(generator):
    active = GeneratorVersionFactory.create(status=VersionStatus.ACTIVE)
    candidate = GeneratorVersionFactory.create(status=VersionStatus.CANDIDATE, rollout_share=0.3)
    batches = small_top_up(200)
    drawn_by = [batch.generator_version for batch in batches]
    assert set(drawn_by) == {active, candidate}
    assert 0.2 < drawn_by.count(candidate) / len(drawn_by) < 0.4


def test_a_version_that_failed_its_rails_is_never_chosen(generator):
    GeneratorVersionFactory.create(rails_passed=False)
    GeneratorVersionFactory.create(status=VersionStatus.REJECTED)
    assert {batch.generator_version for batch in small_top_up(5)} == {None}


def test_a_version_that_failed_its_rails_never_draws_even_when_a_batch_names_it(generator):
    failed = GeneratorVersionFactory.create(rails_passed=False, artifact=tuned_artifact())
    batch = GenerationBatchFactory.create(generator=generator, generator_version=failed, count=1)
    with pytest.raises(VersionUnusable, match="did not pass its rails"):
        face_generate_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PENDING
    assert not Face.objects.exists()


def test_a_batch_of_a_version_records_it_on_every_face(generator):
    version = GeneratorVersionFactory.create(
        status=VersionStatus.CANDIDATE, rollout_share=1.0, artifact=tuned_artifact()
    )
    results = faces_generate_now(count=3, temperature=0.4, rng=random.Random(0))
    assert [result.generated for result in results] == [3]
    assert {face.generator_version for face in Face.objects.all()} == {version}


def test_a_face_drawn_by_a_version_is_drawn_again_bit_identically(generator):
    version = GeneratorVersionFactory.create(artifact=tuned_artifact())
    batch = GenerationBatchFactory.create(generator=generator, generator_version=version, count=3)
    face_generate_batch(batch_id=batch.pk)
    version_decoders_clear()  # from (version, seed, temperature, precision) alone
    for face in Face.objects.order_by("seed"):
        assert face.generator_version_id == version.pk
        redrawn = sample_faces(
            version_decoder_get(version.pk),
            [face.seed],
            face.temperature,
            precision=FacePrecision(face.precision).label,
        )
        assert stored_strokes(redrawn, generator.scale_factor) == [bytes(face.strokes)]


def test_a_version_draws_other_faces_than_the_base_from_the_same_seeds(generator):
    version = GeneratorVersionFactory.create(artifact=tuned_artifact())
    tuned = GenerationBatchFactory.create(generator=generator, generator_version=version, count=3)
    face_generate_batch(batch_id=tuned.pk)
    base = sample_faces(
        decoder_get("face"),
        list(tuned.seeds),
        tuned.temperature,
    )
    stored = [bytes(face.strokes) for face in Face.objects.order_by("seed")]
    assert stored_strokes(base, generator.scale_factor) != stored
