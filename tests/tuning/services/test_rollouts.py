"""Rollouts: only versions whose rails passed become candidates or active; the arms' votes
decide; promotion retires the active version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from facegallery.gallery.models import Face, GeneratorVersion, VersionStatus
from facegallery.tuning.models import Rollout
from facegallery.tuning.services.rollouts import (
    RolloutError,
    generator_versions_votes_voided,
    rollout_decide,
    rollout_start,
    rollout_stop,
)
from facegallery.tuning.statistics import Verdict
from tests.factories import FaceFactory, GeneratorVersionFactory, VoteFactory

pytestmark = pytest.mark.django_db


def status_of(version: GeneratorVersion) -> int:
    version.refresh_from_db()
    return version.status


def votes_on_arm(version: GeneratorVersion | None, *, interesting: int, boring: int) -> None:
    """Counted votes on faces the arm (`version`; None: the base) drew, one face a vote."""
    for label, count in (("interesting", interesting), ("boring", boring)):
        faces = FaceFactory.create_batch(count, generator_version=version)
        for face in faces:
            VoteFactory.create(face=face, label=label)


def test_a_version_that_failed_its_rails_cannot_start_a_rollout():
    failed = GeneratorVersionFactory.create(rails_passed=False)
    with pytest.raises(RolloutError, match="did not pass its rails"):
        rollout_start(version=failed.version)
    assert status_of(failed) == VersionStatus.FAILED_RAILS
    assert not Rollout.objects.exists()


def test_a_version_without_a_rails_report_cannot_start_a_rollout():
    unchecked = GeneratorVersionFactory.create(metrics={})
    with pytest.raises(RolloutError, match="rails"):
        rollout_start(version=unchecked.version)
    assert status_of(unchecked) == VersionStatus.TRAINED


def test_a_rollout_makes_the_version_the_candidate_against_the_active_one():
    active = GeneratorVersionFactory.create(status=VersionStatus.ACTIVE)
    fresh = GeneratorVersionFactory.create()
    rollout = rollout_start(version=fresh.version, share=0.25)
    fresh.refresh_from_db()
    assert (fresh.status, fresh.rollout_share) == (VersionStatus.CANDIDATE, 0.25)
    assert rollout.control == active


def test_the_rollout_share_defaults_to_the_setting(settings):
    settings.TUNING_ROLLOUT_PERCENT = 35
    fresh = GeneratorVersionFactory.create()
    rollout_start(version=fresh.version)
    fresh.refresh_from_db()
    assert fresh.rollout_share == 0.35


def test_one_rollout_runs_at_a_time():
    first, second = GeneratorVersionFactory.create_batch(2)
    rollout_start(version=first.version)
    with pytest.raises(RolloutError, match="in its rollout"):
        rollout_start(version=second.version)
    assert status_of(second) == VersionStatus.TRAINED


def test_a_rejected_version_cannot_be_rolled_out_again():
    rejected = GeneratorVersionFactory.create(status=VersionStatus.REJECTED)
    with pytest.raises(RolloutError, match="not fresh"):
        rollout_start(version=rejected.version)


def test_a_candidate_liked_more_than_the_base_is_promoted(fast_rollout):
    fresh = GeneratorVersionFactory.create()
    rollout_start(version=fresh.version)
    votes_on_arm(fresh, interesting=40, boring=10)
    votes_on_arm(None, interesting=10, boring=40)
    decision = rollout_decide()
    assert (decision.version, decision.verdict) == (fresh.version, Verdict.PROMOTE)
    fresh.refresh_from_db()
    assert fresh.status == VersionStatus.ACTIVE
    assert fresh.note.startswith("won") and fresh.decided_at is not None
    rollout = Rollout.objects.get(candidate=fresh)
    assert rollout.ended_at is not None
    assert rollout.arms["candidate"] == {"interesting": 40, "boring": 10}


def test_promotion_retires_the_active_version(fast_rollout):
    active = GeneratorVersionFactory.create(status=VersionStatus.ACTIVE)
    fresh = GeneratorVersionFactory.create()
    rollout_start(version=fresh.version)
    votes_on_arm(fresh, interesting=40, boring=10)
    votes_on_arm(active, interesting=10, boring=40)
    assert rollout_decide().verdict == Verdict.PROMOTE
    assert status_of(active) == VersionStatus.RETIRED
    assert status_of(fresh) == VersionStatus.ACTIVE


def test_a_candidate_liked_less_is_rejected_and_the_active_one_stays(fast_rollout):
    active = GeneratorVersionFactory.create(status=VersionStatus.ACTIVE)
    fresh = GeneratorVersionFactory.create()
    rollout_start(version=fresh.version)
    votes_on_arm(fresh, interesting=10, boring=40)
    votes_on_arm(active, interesting=40, boring=10)
    assert rollout_decide().verdict == Verdict.REJECT
    assert status_of(fresh) == VersionStatus.REJECTED
    assert status_of(active) == VersionStatus.ACTIVE


def test_with_too_few_votes_the_rollout_goes_on(fast_rollout):
    fresh = GeneratorVersionFactory.create()
    rollout_start(version=fresh.version)
    votes_on_arm(fresh, interesting=15, boring=0)
    votes_on_arm(None, interesting=0, boring=15)
    assert rollout_decide().verdict == Verdict.WAIT
    assert status_of(fresh) == VersionStatus.CANDIDATE


def test_votes_on_faces_drawn_before_the_rollout_began_do_not_count(fast_rollout):
    fresh = GeneratorVersionFactory.create()
    votes_on_arm(None, interesting=0, boring=60)  # the base's faces before the rollout
    Face.objects.update(created=timezone.now() - timedelta(hours=1))
    rollout_start(version=fresh.version)
    votes_on_arm(fresh, interesting=40, boring=10)
    votes_on_arm(None, interesting=40, boring=10)
    assert rollout_decide().verdict == Verdict.WAIT


def test_a_candidate_whose_rails_failed_is_never_promoted_however_it_got_there(fast_rollout):
    fresh = GeneratorVersionFactory.create()
    rollout_start(version=fresh.version)
    # Someone edits the row by hand: the rails report now says it failed.
    GeneratorVersion.objects.filter(pk=fresh.pk).update(metrics={"rails": {"passed": False}})
    votes_on_arm(fresh, interesting=40, boring=10)
    votes_on_arm(None, interesting=10, boring=40)
    assert rollout_decide().verdict == Verdict.REJECT
    assert status_of(fresh) == VersionStatus.REJECTED
    assert not GeneratorVersion.objects.filter(status=VersionStatus.ACTIVE).exists()


def test_stopping_a_rollout_rejects_the_candidate():
    fresh = GeneratorVersionFactory.create()
    rollout_start(version=fresh.version)
    rollout_stop(version=fresh.version)
    fresh.refresh_from_db()
    assert (fresh.status, fresh.note) == (VersionStatus.REJECTED, "stopped by a moderator")
    assert Rollout.objects.get(candidate=fresh).ended_at is not None
    assert rollout_decide().version is None


def test_only_a_candidate_can_be_stopped():
    fresh = GeneratorVersionFactory.create()
    with pytest.raises(RolloutError, match="not in a rollout"):
        rollout_stop(version=fresh.version)


def test_a_drawing_version_trained_on_votes_voided_later_stops_drawing():
    votes = VoteFactory.create_batch(20)
    last = max(vote.pk for vote in votes)
    active = GeneratorVersionFactory.create(
        status=VersionStatus.ACTIVE, votes_seen=20, max_vote_id=last
    )
    fresh = GeneratorVersionFactory.create(votes_seen=20, max_vote_id=last)
    rollout_start(version=fresh.version)
    later = GeneratorVersionFactory.create(votes_seen=0, max_vote_id=last - 20)  # saw none
    stopped = generator_versions_votes_voided(vote_ids=[votes[0].pk])
    assert stopped == [active.version, fresh.version]
    assert status_of(active) == VersionStatus.RETIRED  # 1 of 20: 5%
    assert status_of(fresh) == VersionStatus.REJECTED
    assert fresh.note.startswith("stopped: 1 of its 20 votes voided")
    assert status_of(later) == VersionStatus.TRAINED
