"""A face page links to the visible faces before and after it."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import Face, FaceStatus
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_the_face_page_links_to_the_previous_and_next_visible_faces(client):
    faces = FaceFactory.create_batch(4)
    ids = [face.pk for face in faces]
    Face.objects.filter(pk=ids[2]).update(status=FaceStatus.HIDDEN)
    html = client.get(f"/faces/{ids[1]}").content.decode()
    assert f'rel="prev" href="/faces/{ids[0]}" aria-label="Previous face, #{ids[0]}"' in html
    assert f'rel="next" href="/faces/{ids[3]}" aria-label="Next face, #{ids[3]}"' in html


def test_the_first_and_last_faces_link_one_way_only(client):
    faces = FaceFactory.create_batch(2)
    first = client.get(f"/faces/{faces[0].pk}").content.decode()
    last = client.get(f"/faces/{faces[1].pk}").content.decode()
    assert 'rel="prev"' not in first and f'rel="next" href="/faces/{faces[1].pk}"' in first
    assert 'rel="next"' not in last and f'rel="prev" href="/faces/{faces[0].pk}"' in last
