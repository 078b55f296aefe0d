"""face_get_next_for_voting: unvoted faces first, never one the voter voted on or skipped."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import FaceStatus
from facegallery.scoring.queue import face_get_next_for_voting
from facegallery.voting.services import vote_cast
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_faces_nobody_voted_on_come_first():
    voted_by_others = FaceFactory.create_batch(5, interesting_count=2)
    fresh = FaceFactory.create()
    picks = {face_get_next_for_voting(voter="anon:me") for _ in range(10)}
    assert picks == {fresh}
    assert len(voted_by_others) == 5


def test_the_voters_own_votes_and_skips_are_excluded_and_then_none_is_left():
    faces = FaceFactory.create_batch(3)
    vote_cast(face_id=faces[0].pk, voter="anon:me", label="boring")
    pick = face_get_next_for_voting(voter="anon:me", exclude_ids=[faces[1].pk])
    assert pick is not None and pick.pk == faces[2].pk
    assert face_get_next_for_voting(voter="anon:me", exclude_ids=[faces[1].pk, faces[2].pk]) is None
    assert face_get_next_for_voting(voter="anon:someone-else") is not None


def test_faces_voted_on_by_others_are_offered_once_the_pool_is_empty():
    face = FaceFactory.create(boring_count=3)
    assert face_get_next_for_voting(voter="anon:me") == face


def test_hidden_and_filtered_faces_are_never_offered():
    FaceFactory.create(status=FaceStatus.HIDDEN)
    FaceFactory.create(status=FaceStatus.FILTERED)
    assert face_get_next_for_voting(voter="anon:me") is None
