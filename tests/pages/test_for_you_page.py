"""The "For you" page: how many votes are still needed, then the visitor's faces best first
with working vote forms; linked from the gallery's tabs."""

from __future__ import annotations

import pytest

from facegallery.scoring.for_you import for_you_clear
from facegallery.voting.identity import SESSION_VOTER_KEY
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_memo():
    for_you_clear()
    yield
    for_you_clear()


def test_a_new_visitor_is_told_how_many_votes_it_needs(client, settings):
    response = client.get("/for-you")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Vote on {settings.FOR_YOU_MIN_VOTES} more faces" in html
    assert 'href="/vote/"' in html
    assert 'href="/for-you"' in client.get("/").content.decode()  # a tab of the gallery


def test_a_visitor_who_voted_enough_sees_its_faces_with_vote_forms(client, settings, drawn_faces):
    settings.FOR_YOU_MIN_VOTES = 20
    client.post(f"/faces/{drawn_faces[0].pk}/vote", {"label": "interesting"})  # now a voter
    voter = "anon:" + client.session[SESSION_VOTER_KEY]
    for face in drawn_faces[1:24]:
        busy = face.num_strokes >= 6
        VoteFactory.create(face=face, voter=voter, label="interesting" if busy else "boring")
    html = client.get("/for-you").content.decode()
    unseen = [f.pk for f in drawn_faces[24:]]
    assert all(f'id="f{pk}"' in html for pk in unseen)
    assert not any(f'id="f{f.pk}"' in html for f in drawn_faces[:24])  # voted: not again
    assert 'name="csrfmiddlewaretoken"' in html and "csrfPLACEHOLDER" not in html
