"""The face page (live drawing, counts, permalink), the SVG download, and hidden faces."""

from __future__ import annotations

import re

import pytest

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.pictures import face_strokes3
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_the_face_page_draws_one_animated_path_a_stroke_with_counts_and_permalink(client):
    face = FaceFactory.create(interesting_count=3, boring_count=1)
    response = client.get(f"/faces/{face.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    pen_lifts = int((face_strokes3(face)[:, 2] == 1).sum())
    assert len(re.findall(r'<path pathLength="1" d="M', html)) == pen_lifts
    delays = [float(d) for d in re.findall(r"--d:([0-9.]+)s", html)]
    assert delays == sorted(delays) and delays[0] == 0  # strokes drawn one after another
    assert "4 votes" in html and "3 interesting" in html and "1 boring" in html
    assert f'value="http://testserver/faces/{face.pk}"' in html
    assert f'href="/faces/{face.pk}.svg"' in html


def test_the_svg_download_is_an_attachment_with_the_faces_strokes(client):
    face = FaceFactory.create()
    response = client.get(f"/faces/{face.pk}.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert f'filename="face-{face.pk}.svg"' in response["Content-Disposition"]
    svg = response.content.decode()
    assert svg.startswith("<svg") and svg.count("<path") == len(re.findall("M", svg))


@pytest.mark.parametrize("status", [FaceStatus.HIDDEN, FaceStatus.FILTERED])
def test_hidden_and_filtered_faces_answer_404_on_every_public_page_and_api(client, status):
    face = FaceFactory.create(status=status)
    gets = [
        f"/faces/{face.pk}",
        f"/faces/{face.pk}.svg",
        f"/faces/{face.pk}/report",
        f"/vote/?face={face.pk}",
        f"/api/faces/{face.pk}",
    ]
    for url in gets[:3] + gets[4:]:
        assert client.get(url).status_code == 404, url
    assert f"#{face.pk}<" not in client.get(gets[3]).content.decode()  # vote mode skips it
    client.get("/api/csrf")
    token = client.cookies["csrftoken"].value
    assert client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code == 404
    assert client.post(f"/faces/{face.pk}/report", {"reason": "other"}).status_code == 404
    api_put = client.put(
        f"/api/faces/{face.pk}/vote", {"label": "boring"}, content_type="application/json",
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert api_put.status_code == 404 and api_put.json()["detail"]
    face.refresh_from_db()
    assert face.votes.count() == face.reports.count() == face.boring_count == 0


@pytest.mark.bad_input("unknown face ids and wrong methods")
def test_unknown_and_absurd_face_ids_answer_404(client):
    for url in ["/faces/123456789", "/faces/99999999999999999999999", "/faces/1.svg"]:
        assert client.get(url).status_code == 404
    assert Face.objects.count() == 0
