"""Training a generator version from votes: when it is due, what it learns from, and the
rails that decide whether it may ever draw."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import (
    Face,
    FaceOrigin,
    GenerationBatch,
    GeneratorVersion,
    VersionStatus,
)
from facegallery.generation.services.batches import generation_top_up
from facegallery.tuning.decoders import VersionUnusable, version_decoder_get
from facegallery.tuning.models import Rollout
from facegallery.tuning.services.versions import (
    base_generator,
    training_set_build,
    version_train,
)
from tests.factories import (
    FaceFactory,
    GeneratorVersionFactory,
    VoteFactory,
    face_generator,
    voter_record,
)
from tests.tuning.conftest import IMPOSSIBLE, LENIENT, tiny_config, tiny_rails

pytestmark = pytest.mark.django_db


@pytest.fixture
def tuning_settings(settings, rails_faces):
    settings.TUNING_MIN_FACES = 3
    settings.TUNING_MIN_NEW_VOTES = 10
    return settings


def voted_faces(liked: int, disliked: int, **fields) -> list[Face]:
    """Faces (copies of real drawings) with one counted vote each: the first `liked` are
    interesting, the rest boring."""
    faces = FaceFactory.create_batch(liked + disliked, **fields)
    for k, face in enumerate(faces):
        VoteFactory.create(face=face, label="interesting" if k < liked else "boring")
    return faces


def train(**bounds):
    return version_train(force=True, config=tiny_config(), rails_config=tiny_rails(**bounds))


def test_a_version_is_due_only_once_enough_new_counted_votes_arrived(tuning_settings):
    voted_faces(4, 4)
    result = version_train(config=tiny_config(), rails_config=tiny_rails(**LENIENT))
    assert result.version is None
    assert result.reason == "8 new votes of 10"
    assert not GeneratorVersion.objects.exists()


def test_a_version_that_passes_its_rails_is_stored_and_starts_its_rollout(tuning_settings):
    faces = voted_faces(5, 5)
    result = version_train(config=tiny_config(), rails_config=tiny_rails(**LENIENT))
    assert result.version is not None and result.passed_rails  # 10 new votes: due
    version = GeneratorVersion.objects.get(version=result.version)
    assert version.base == base_generator() == faces[0].generator
    assert (version.votes_seen, version.pairs, version.method) == (10, 5, "dpo")
    assert version.max_vote_id == max(face.votes.get().pk for face in faces)
    assert version.metrics["rails"]["passed"] is True
    assert [check["name"] for check in version.metrics["rails"]["checks"]] == [
        "human NLL", "base-sample NLL", "diversity",
    ]  # fmt: skip
    assert version.metrics["liked_faces"] == version.metrics["disliked_faces"] == 5
    assert version.status == VersionStatus.CANDIDATE  # TUNING_AUTO_ROLLOUT
    assert Rollout.objects.get(candidate=version).control is None
    version_decoder_get(version.pk)  # its weights load over the base's
    again = version_train(config=tiny_config(), rails_config=tiny_rails(**LENIENT))
    assert (again.version, again.reason) == (None, "a rollout is running")


def test_a_version_that_fails_its_rails_is_kept_and_never_draws(tuning_settings):
    voted_faces(5, 5)
    result = train(**IMPOSSIBLE)
    assert result.version is not None and not result.passed_rails
    version = GeneratorVersion.objects.get(version=result.version)
    assert version.status == VersionStatus.FAILED_RAILS
    assert version.note.startswith("rails FAILED")
    assert not version.metrics["rails"]["checks"][0]["passed"]
    assert not Rollout.objects.exists()
    generation_top_up()
    assert set(GenerationBatch.objects.values_list("generator_version", flat=True)) == {None}
    with pytest.raises(VersionUnusable):
        version_decoder_get(version.pk)


def test_too_few_liked_or_disliked_faces_train_nothing(tuning_settings):
    voted_faces(5, 2)
    result = train(**LENIENT)
    assert (result.version, result.reason) == (None, "too few faces (5 liked, 2 disliked)")


def test_without_held_out_human_faces_nothing_is_trained(tuning_settings, tmp_path):
    tuning_settings.TUNING_RAILS_HUMAN_FACES = tmp_path / "missing.ndjson"
    voted_faces(5, 5)
    result = train(**LENIENT)
    assert result.version is None
    assert result.reason.startswith("no held-out human faces")


def test_only_start_token_faces_of_the_base_or_the_active_version_are_training_data(
    tuning_settings,
):
    active = GeneratorVersionFactory.create(status=VersionStatus.ACTIVE)
    rejected = GeneratorVersionFactory.create(status=VersionStatus.REJECTED)
    voted_faces(1, 1)  # the base's
    voted_faces(1, 0, generator_version=active)
    voted_faces(2, 2, generator_version=rejected)
    voted_faces(2, 2, origin=FaceOrigin.MORE_LIKE_THIS)
    data = training_set_build(generator=face_generator())
    assert (len(data.liked), len(data.disliked)) == (2, 1)


def test_pending_votes_of_fresh_voters_and_voided_votes_are_not_training_data(
    tuning_settings,
):
    fresh = voter_record("anon:fresh", established=False)
    faces = FaceFactory.create_batch(3)
    VoteFactory.create(face=faces[0], voter=fresh.key, counted=False)
    VoteFactory.create(face=faces[1], voided=True)
    VoteFactory.create(face=faces[2], label="boring")
    data = training_set_build(generator=face_generator())
    assert (len(data.liked), len(data.disliked)) == (0, 1)
    assert data.disliked_temperatures == [faces[2].temperature]
