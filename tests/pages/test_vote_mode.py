"""Vote mode: one face at a time, votes, skip and undo, a count, no face shown twice."""

from __future__ import annotations

import re

import pytest

from facegallery.voting.models import Vote
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def shown(response) -> int | None:
    match = re.search(r'data-face="(\d+)"', response.content.decode())
    return int(match[1]) if match else None


def vote_count(response) -> int:
    match = re.search(r"data-vote-count>(\d+)<", response.content.decode())
    assert match is not None, "no vote count on the page"
    return int(match[1])


def test_htmx_votes_skips_and_undoes_one_face_at_a_time(client):
    faces = FaceFactory.create_batch(4)
    first = shown(client.get("/vote/"))
    assert first is not None
    response = client.post("/vote/act", {"action": "interesting", "face": first}, headers=HX)
    second = shown(response)
    assert vote_count(response) == 1 and second not in (None, first)
    assert Vote.objects.get(face_id=first).label == "interesting"

    response = client.post("/vote/act", {"action": "skip", "face": second}, headers=HX)
    third = shown(response)
    assert third not in (first, second) and vote_count(response) == 1

    response = client.post("/vote/act", {"action": "undo"}, headers=HX)
    assert shown(response) == first  # the undone face comes back
    assert vote_count(response) == 0 and Vote.objects.count() == 0
    assert len(faces) == 4


def test_without_javascript_each_action_redirects_to_the_next_card(client):
    face = FaceFactory.create()
    response = client.post("/vote/act", {"action": "boring", "face": face.pk})
    assert response.status_code == 303 and response["Location"] == "/vote/"
    page = client.get("/vote/")
    assert shown(page) is None and b"voted on every face" in page.content
    assert vote_count(page) == 1
    response = client.post("/vote/act", {"action": "undo"})
    assert response["Location"] == f"/vote/?face={face.pk}"
    assert shown(client.get(response["Location"])) == face.pk


def test_faces_already_voted_on_are_never_shown_again(client):
    faces = FaceFactory.create_batch(5)
    for face in faces[:4]:
        client.post(f"/faces/{face.pk}/vote", {"label": "boring"})
    for _ in range(5):
        assert shown(client.get("/vote/")) == faces[4].pk
    assert shown(client.get(f"/vote/?face={faces[0].pk}")) == faces[4].pk


@pytest.mark.bad_input("vote forms: bad labels and actions")
@pytest.mark.parametrize(
    "data",
    [{"action": "love", "face": 1}, {"action": "boring"}, {"action": "boring", "face": "x"}],
)
def test_bad_actions_get_400_and_record_nothing(client, data):
    FaceFactory.create()
    assert client.post("/vote/act", data).status_code == 400
    assert Vote.objects.count() == 0


def test_nothing_to_undo_is_not_an_error(client):
    face = FaceFactory.create()
    response = client.post("/vote/act", {"action": "undo", "face": face.pk}, headers=HX)
    assert response.status_code == 200 and b"Nothing to undo" in response.content
