"""Vote mode's queue offers the generator's own unvoted faces before primed ones: a primed
face's votes are not scorer labels (generation/services/priming.py)."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import FaceOrigin
from facegallery.scoring.queue import face_get_next_for_voting
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_unvoted_drawn_faces_come_before_unvoted_primed_ones():
    FaceFactory.create_batch(3, origin=FaceOrigin.VISITOR_PRIMED)
    drawn = FaceFactory.create()
    picks = [face_get_next_for_voting(voter="anon:" + "a" * 32) for _ in range(12)]
    assert {face.pk if face else None for face in picks} == {drawn.pk}
    # Once the drawn one is skipped, the primed faces are still there to vote on.
    later = face_get_next_for_voting(voter="anon:" + "a" * 32, exclude_ids=[drawn.pk])
    assert later is not None and later.origin == FaceOrigin.VISITOR_PRIMED
