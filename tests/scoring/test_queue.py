"""face_get_next_for_voting: unvoted faces first, never one the voter voted on or skipped;
the faces a model picks are never held out (those judge the next candidate)."""

from __future__ import annotations

import numpy as np
import pytest

from facegallery.gallery.models import Face, FaceStatus
from facegallery.scoring.queue import face_get_next_for_voting
from facegallery.scoring.selectors import not_held_out
from facegallery.scoring.services.labels import is_holdout
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


def next_id(voter: str) -> int:
    face = face_get_next_for_voting(voter=voter)
    assert face is not None
    return face.pk


def test_the_held_out_faces_in_sql_are_the_held_out_faces_of_training(settings):
    faces = FaceFactory.create_batch(60)
    ids = np.array([f.pk for f in faces])
    held = set(ids[is_holdout(ids, settings.SCORER_HOLDOUT_PERCENT)].tolist())
    assert 0 < len(held) < len(ids)
    chosen = set(Face.objects.filter(not_held_out()).values_list("pk", flat=True))
    assert chosen == set(ids.tolist()) - held


def test_the_scorer_never_picks_a_held_out_face_for_labelling(settings, monkeypatch):
    faces = FaceFactory.create_batch(40)
    ids = np.array([f.pk for f in faces])
    held = is_holdout(ids, settings.SCORER_HOLDOUT_PERCENT)
    for face, h in zip(faces, held, strict=True):  # held-out faces: the most uncertain of all
        Face.objects.filter(pk=face.pk).update(score=0.5 if h else 0.9)
    monkeypatch.setattr("facegallery.scoring.selectors.random.random", lambda: 0.0)
    picks = {next_id("anon:me") for _ in range(20)}
    assert picks and not picks & set(ids[held].tolist())
    # Held-out faces are still labelled, through the queue's uniform part.
    monkeypatch.undo()
    Face.objects.update(score=None)  # nothing uncertain: the uniform part only
    uniform = {next_id("anon:me") for _ in range(60)}
    assert uniform & set(ids[held].tolist())
