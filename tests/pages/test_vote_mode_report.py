"""Vote mode has a heading and a report form that comes back to vote mode."""

from __future__ import annotations

import pytest

from facegallery.voting.models import Report
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_vote_mode_has_a_heading_and_a_report_link_for_the_face_shown(client):
    face = FaceFactory.create()
    html = client.get("/vote/").content.decode()
    assert '<h1 class="vote-title">' in html
    assert f'href="/faces/{face.pk}/report?next=/vote/"' in html
    assert "<kbd>Space</kbd>" in html  # the legend names the key that finishes the drawing


def test_no_card_no_report_link(client):
    assert "/report" not in client.get("/vote/").content.decode()


def test_the_report_form_loaded_in_vote_mode_carries_vote_mode_along(client):
    face = FaceFactory.create()
    html = client.get(f"/faces/{face.pk}/report?next=/vote/", headers=HX).content.decode()
    assert '<input type="hidden" name="next" value="/vote/">' in html


def test_without_javascript_a_report_from_vote_mode_returns_to_vote_mode(client):
    face = FaceFactory.create()
    response = client.post(f"/faces/{face.pk}/report", {"reason": "broken", "next": "/vote/"})
    assert response.status_code == 303 and response["Location"] == "/vote/"
    assert Report.objects.get().face_id == face.pk


def test_a_report_never_redirects_off_the_site(client):
    face = FaceFactory.create()
    data = {"reason": "broken", "next": "https://example.com/"}
    response = client.post(f"/faces/{face.pk}/report", data)
    assert response["Location"] == f"/faces/{face.pk}"
    page = client.get(f"/faces/{face.pk}/report?next=https://example.com/").content.decode()
    assert 'name="next"' not in page
