"""Scoring selectors for the "Is it learning?" page: versions without their artifact, samples
of what the filter let through and held back, and a voter's votes in a version."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from facegallery.gallery.models import FaceStatus
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.selectors import (
    filter_samples,
    scorer_version_summaries,
    voter_votes_in_scorer,
)
from facegallery.scoring.services.labels import is_holdout
from facegallery.voting.models import Vote
from tests.factories import FaceFactory, VoteFactory

pytestmark = pytest.mark.django_db


def scorer_row(version: int, **fields) -> ScorerVersion:
    """A version row as training stores it (the artifact is not read here)."""
    values = dict(
        version=version, artifact=b"not read", config={}, training_faces=100, holdout_faces=25,
        votes_seen=300, auc=0.6, promoted=True, note="better than the active version",
    )  # fmt: skip
    return ScorerVersion.objects.create(**{**values, **fields})


def test_versions_come_oldest_first_without_their_artifact(django_assert_num_queries):
    scorer_row(2, is_active=True, seconds=4.0)
    scorer_row(1, promoted=False, note="worse", auc=None)
    with django_assert_num_queries(1) as queries:
        versions = scorer_version_summaries()
    assert "artifact" not in queries.captured_queries[0]["sql"]
    assert [v.version for v in versions] == [1, 2]
    assert (versions[0].auc, versions[0].promoted, versions[0].note) == (None, False, "worse")
    assert versions[1].is_active
    assert versions[1].trained_from == versions[1].created - timedelta(seconds=4)


def test_samples_are_the_version_s_own_faces_shown_on_their_score_or_held_back():
    shown = FaceFactory.create_batch(3, scorer_version=5)
    explored = FaceFactory.create(scorer_version=5, explored=True)
    held = FaceFactory.create_batch(2, scorer_version=5, status=FaceStatus.FILTERED)
    hidden = FaceFactory.create(scorer_version=5, status=FaceStatus.HIDDEN)
    FaceFactory.create(scorer_version=4)
    FaceFactory.create(scorer_version=4, status=FaceStatus.FILTERED)
    samples = filter_samples(version=5, limit=2)
    assert [f.pk for f in samples.let_through] == [shown[2].pk, shown[1].pk]  # newest first
    assert [f.pk for f in samples.held_back] == [held[1].pk, held[0].pk]
    everything = filter_samples(version=5, limit=10)
    assert explored.pk not in [f.pk for f in everything.let_through]
    assert hidden.pk not in [f.pk for f in everything.let_through + everything.held_back]


def test_a_voter_s_votes_count_when_cast_before_training_started_and_not_voided(settings):
    settings.SCORER_HOLDOUT_PERCENT = 20
    scorer = scorer_row(1, is_active=True, seconds=60.0)
    started = scorer.created - timedelta(seconds=60)
    faces = FaceFactory.create_batch(40)
    mine = [VoteFactory.create(face=face, voter="anon:me") for face in faces[:30]]
    VoteFactory.create(face=faces[30], voter="anon:someone-else")
    late = VoteFactory.create(face=faces[31], voter="anon:me")
    voided = VoteFactory.create(face=faces[32], voter="anon:me")
    during = VoteFactory.create(face=faces[33], voter="anon:me")
    Vote.objects.filter(voter="anon:me").update(created=started - timedelta(minutes=1))
    Vote.objects.filter(pk=late.pk).update(created=timezone.now() + timedelta(minutes=1))
    Vote.objects.filter(pk=during.pk).update(created=started + timedelta(seconds=30))
    Vote.objects.filter(pk=voided.pk).update(voided=True)

    contribution = voter_votes_in_scorer(voter="anon:me", version=1)
    ids = np.array([v.face_id for v in mine])
    held = int(is_holdout(ids, 20).sum())
    assert contribution.votes == 30
    assert (contribution.learned_from, contribution.tested_on) == (30 - held, held)


def test_no_voter_or_no_such_version_counts_nothing():
    scorer_row(1, is_active=True)
    assert voter_votes_in_scorer(voter=None, version=1).votes == 0
    assert voter_votes_in_scorer(voter="anon:me", version=9).votes == 0


def test_a_version_that_recorded_its_newest_vote_counts_the_votes_up_to_that_one():
    faces = FaceFactory.create_batch(3)
    seen = [VoteFactory.create(face=face, voter="anon:me") for face in faces[:2]]
    scorer_row(1, is_active=True, max_vote_id=seen[-1].pk)
    VoteFactory.create(face=faces[2], voter="anon:me")  # cast after its training began
    Vote.objects.update(created=timezone.now() - timedelta(days=1))  # time does not decide
    assert voter_votes_in_scorer(voter="anon:me", version=1).votes == 2
