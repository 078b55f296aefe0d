"""Moderators filter faces by origin and follow a primed face to the face it came from."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import FaceOrigin
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_the_face_list_filters_by_origin(moderator_client):
    drawn = FaceFactory.create()
    visitor_primed = FaceFactory.create(origin=FaceOrigin.VISITOR_PRIMED)
    html = moderator_client.get(
        f"/admin/gallery/face/?origin__exact={FaceOrigin.VISITOR_PRIMED.value}"
    ).content.decode()
    assert f"/admin/gallery/face/{visitor_primed.pk}/change/" in html
    assert f"/admin/gallery/face/{drawn.pk}/change/" not in html
    assert "visitor primed" in html  # the filter's choice and the column


def test_a_primed_faces_page_links_to_the_face_it_was_primed_from(moderator_client):
    source = FaceFactory.create()
    primed = FaceFactory.create(origin=FaceOrigin.MORE_LIKE_THIS, primed_from=source)
    html = moderator_client.get(f"/admin/gallery/face/{primed.pk}/change/").content.decode()
    assert f'<a href="/admin/gallery/face/{source.pk}/change/">face #{source.pk}</a>' in html
    assert "more like this" in html
