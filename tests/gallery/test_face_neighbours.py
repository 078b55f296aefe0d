"""A face's neighbours: the visible faces just before and after it by id."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.selectors import Neighbours, face_get_neighbours
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_the_neighbours_are_the_visible_faces_just_before_and_after():
    faces = FaceFactory.create_batch(5)
    ids = [face.pk for face in faces]
    assert face_get_neighbours(face_id=ids[2]) == Neighbours(ids[1], ids[3])


def test_hidden_and_filtered_faces_are_stepped_over():
    faces = FaceFactory.create_batch(5)
    ids = [face.pk for face in faces]
    Face.objects.filter(pk=ids[1]).update(status=FaceStatus.HIDDEN)
    Face.objects.filter(pk=ids[3]).update(status=FaceStatus.FILTERED)
    assert face_get_neighbours(face_id=ids[2]) == Neighbours(ids[0], ids[4])


def test_the_oldest_and_newest_faces_have_a_neighbour_on_one_side_only():
    faces = FaceFactory.create_batch(3)
    ids = [face.pk for face in faces]
    assert face_get_neighbours(face_id=ids[0]) == Neighbours(None, ids[1])
    assert face_get_neighbours(face_id=ids[-1]) == Neighbours(ids[1], None)


def test_a_face_alone_has_no_neighbours():
    face = FaceFactory.create()
    assert face_get_neighbours(face_id=face.pk) == Neighbours(None, None)
