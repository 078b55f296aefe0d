"""Scoring selectors: uncertain faces for active learning, and the loop history."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import Face, FaceStatus
from facegallery.scoring.queue import face_get_next_for_voting
from facegallery.scoring.selectors import loop_history, uncertain_face_ids, uncertain_face_pick
from facegallery.voting.models import Label
from facegallery.voting.services import vote_cast
from tests.factories import FaceFactory, VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_faces() -> dict[float | None, Face]:
    faces: dict[float | None, Face] = {}
    for k, score in enumerate([0.05, 0.4, 0.55, 0.9, None]):
        faces[score] = FaceFactory.create(
            score=score, scorer_version=None if score is None else 1,
            # Evenly spaced: a random pick lands on each face with the same chance (the
            # gap before its key), so the test does not hinge on random keys.
            shuffle_key=(k + 1) / 5,
        )  # fmt: skip
    return faces


def test_uncertain_faces_come_closest_to_one_half_first(scored_faces, settings):
    settings.SCORER_HOLDOUT_PERCENT = 0  # held-out faces are never offered (test_queue.py)
    ids = uncertain_face_ids(limit=10)
    assert ids == [scored_faces[s].pk for s in (0.55, 0.4, 0.9, 0.05)]  # unscored: never


def test_voted_hidden_and_excluded_faces_are_not_uncertain_candidates(scored_faces, settings):
    settings.SCORER_HOLDOUT_PERCENT = 0
    vote_cast(face_id=scored_faces[0.55].pk, voter="anon:a", label=Label.BORING)
    Face.objects.filter(pk=scored_faces[0.9].pk).update(status=FaceStatus.HIDDEN)
    ids = uncertain_face_ids(limit=10, exclude_ids=[scored_faces[0.05].pk], voter="anon:b")
    assert ids == [scored_faces[0.4].pk]


def test_a_face_with_a_pending_vote_is_no_longer_an_uncertain_candidate(scored_faces, settings):
    settings.SCORER_HOLDOUT_PERCENT = 0
    VoteFactory.create(face=scored_faces[0.55], counted=False, trusted=False)
    assert Face.objects.get(pk=scored_faces[0.55].pk).total_votes == 0  # still in the pool
    assert uncertain_face_ids(limit=10, voter="anon:other") == [
        scored_faces[s].pk for s in (0.4, 0.9, 0.05)
    ]


def test_vote_mode_sends_part_of_its_queue_to_uncertain_faces(scored_faces, settings):
    settings.SCORER_HOLDOUT_PERCENT = 0
    assert uncertain_face_pick(voter="anon:a", share=0.0) is None
    pick = uncertain_face_pick(voter="anon:a", share=1.0)
    assert pick is not None
    assert pick.score in (0.05, 0.4, 0.55, 0.9)
    faces = [face_get_next_for_voting(voter="anon:a") for _ in range(120)]
    picks = [face.score for face in faces if face is not None]
    assert len(picks) == 120  # a face every time
    assert None in picks  # the rest of the queue is the usual random pick
    assert picks.count(None) < 90  # ...and about half goes to scored, uncertain faces


def test_the_loop_history_has_the_unfiltered_baseline_first(scored_faces):
    vote_cast(face_id=scored_faces[None].pk, voter="anon:a", label=Label.INTERESTING)
    history = loop_history()
    assert history[0].version == 0 and history[0].shown_interesting_share == 1.0
