"""Voting from a tile or the face page: plain form POST, htmx, undo, CSRF, bad input."""

from __future__ import annotations

import pytest
from django.test import Client

from facegallery.voting.models import Vote
from tests.factories import FaceFactory, visitor

# What voting does and shows: each visitor counts from its first vote (tests/voting/ for who
# counts when).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("voters_established_at_once")]


def counts(face) -> tuple[int, int]:
    face.refresh_from_db()
    return face.interesting_count, face.boring_count


def test_a_plain_form_post_records_the_vote_and_redirects_back(client):
    face = FaceFactory.create()
    response = client.post(f"/faces/{face.pk}/vote", {"label": "interesting", "next": "/?x=1"})
    assert response.status_code == 303
    assert response["Location"] == "/?x=1"
    assert counts(face) == (1, 0)
    assert Vote.objects.get().voter.startswith("anon:")


def test_a_foreign_next_url_is_ignored(client):
    face = FaceFactory.create()
    response = client.post(
        f"/faces/{face.pk}/vote", {"label": "boring", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/faces/{face.pk}"


def test_htmx_gets_the_updated_buttons_and_pressing_again_takes_the_vote_back(client):
    face = FaceFactory.create()
    hx = {"HX-Request": "true"}
    response = client.post(f"/faces/{face.pk}/vote", {"label": "boring"}, headers=hx)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'value="none"' in html and 'aria-pressed="true"' in html
    assert counts(face) == (0, 1)
    client.post(f"/faces/{face.pk}/vote", {"label": "interesting"}, headers=hx)
    assert counts(face) == (1, 0)
    client.post(f"/faces/{face.pk}/vote", {"label": "none"}, headers=hx)
    assert counts(face) == (0, 0) and Vote.objects.count() == 0


def test_two_visitors_each_count_once(client):
    face = FaceFactory.create()
    client.post(f"/faces/{face.pk}/vote", {"label": "boring"})
    client.post(f"/faces/{face.pk}/vote", {"label": "boring"})
    visitor().post(f"/faces/{face.pk}/vote", {"label": "boring"})
    assert counts(face) == (0, 2)


@pytest.mark.bad_input("vote forms: bad labels and actions")
@pytest.mark.parametrize("data", [{"label": "meh"}, {}, {"label": ""}])
def test_a_bad_label_gets_400_and_records_nothing(client, data):
    face = FaceFactory.create()
    response = client.post(f"/faces/{face.pk}/vote", data)
    assert response.status_code == 400
    assert b"Nothing was changed" in response.content
    assert Vote.objects.count() == 0


@pytest.mark.bad_input("unknown face ids and wrong methods")
def test_votes_are_post_only(client):
    face = FaceFactory.create()
    assert client.get(f"/faces/{face.pk}/vote?label=boring").status_code == 405
    assert Vote.objects.count() == 0


def test_a_vote_without_the_csrf_token_is_refused_with_a_friendly_page():
    face = FaceFactory.create()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(f"/faces/{face.pk}/vote", {"label": "boring"})
    assert response.status_code == 403
    assert b"This form has expired" in response.content
    assert Vote.objects.count() == 0
    page = browser.get(f"/faces/{face.pk}").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = browser.post(
        f"/faces/{face.pk}/vote", {"label": "boring", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303 and counts(face) == (0, 1)
