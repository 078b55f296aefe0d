"""A face whose stored strokes do not decode never breaks a page: lists show a placeholder,
the pages of that one face answer 404 (friendly HTML, JSON under /api/), and it is logged."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import Face
from facegallery.gallery.pictures import BROKEN_DRAWING_SVG
from tests.factories import FaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.bad_input("malformed stroke data")]

TRUNCATED = b"\x01\x00\x80"  # the version byte, then a varint that never ends


@pytest.fixture
def broken_and_fine() -> tuple[Face, Face]:
    broken, fine = FaceFactory.create_batch(2)
    Face.objects.filter(pk=broken.pk).update(strokes=TRUNCATED)
    return broken, fine


def test_the_gallery_and_the_live_page_show_the_other_faces_and_a_placeholder(
    client, broken_and_fine, caplog
):
    broken, fine = broken_and_fine
    gallery = client.get("/?sort=newest")
    assert gallery.status_code == 200
    html = gallery.content.decode()
    assert BROKEN_DRAWING_SVG in html and f'href="/faces/{fine.pk}"' in html
    live = client.get("/live")
    assert live.status_code == 200 and f"/faces/{fine.pk}" in live.content.decode()
    assert f"face {broken.pk} has corrupt strokes" in caplog.text


@pytest.mark.parametrize("path", ["/faces/{id}", "/faces/{id}.svg", "/faces/{id}.png"])
def test_the_pages_of_the_broken_face_are_a_friendly_404(client, broken_and_fine, path):
    broken, _ = broken_and_fine
    response = client.get(path.format(id=broken.pk))
    assert response.status_code == 404
    assert b"No face here" in response.content


def test_the_api_answers_404_json_for_the_broken_face(client, broken_and_fine):
    broken, fine = broken_and_fine
    response = client.get(f"/api/faces/{broken.pk}")
    assert response.status_code == 404
    assert "damaged" in response.json()["detail"]
    assert client.get(f"/api/faces/{fine.pk}").status_code == 200
