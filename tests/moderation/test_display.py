"""The admin's face pictures are the pages' pictures (gallery.pictures), at the admin's sizes."""

from __future__ import annotations

import pytest

from facegallery.gallery import pictures
from facegallery.moderation.display import DRAWING_SIZE, THUMBNAIL_SIZE, face_svg
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [THUMBNAIL_SIZE, DRAWING_SIZE])
def test_the_admin_shows_the_pages_picture_at_its_own_size_named_for_screen_readers(size):
    face = FaceFactory.create()
    svg = face_svg(face, size=size)
    assert svg == (
        f'<span class="face-picture" role="img" aria-label="Face #{face.pk}">'
        f"{pictures.face_svg(face, size=size)}</span>"
    )
    assert f'width="{size}" height="{size}"' in svg


def test_a_face_with_corrupt_strokes_shows_a_warning_sign():
    svg = face_svg(FaceFactory.build(strokes=b"\x01\x00\x80"))
    assert svg == '<span title="the stored strokes are corrupt">⚠</span>'
