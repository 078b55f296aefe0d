"""The gallery explains itself and takes in new faces: the new-faces poll on the first page of
Newest only, the empty page that waits for faces, and the ranked sorts that say where the
faces without votes start."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from facegallery.pages import grid
from tests.factories import FaceFactory, VoteFactory
from tests.pages.tiles import tile_ids

pytestmark = pytest.mark.django_db


def notes(html: str) -> list[str]:
    return re.findall(r'<li class="grid-note">([^<]*)</li>', html)


def more_link(html: str) -> str:
    """The URL of the next page's tiles."""
    match = re.search(r'href="(\?sort=[a-z]+&amp;cursor=[^"]+)"', html)
    assert match is not None, "no next page"
    return match[1].replace("&amp;", "&")


def test_the_first_page_of_newest_polls_for_faces_newer_than_its_newest(client, settings):
    settings.GALLERY_PAGE_SIZE = 4
    faces = FaceFactory.create_batch(6)
    html = client.get("/").content.decode()
    assert f'/faces/new?after={faces[-1].pk}&amp;shown=0"' in html
    assert "/faces/new" not in client.get(more_link(html)).content.decode()  # a later page: no poll
    assert "/faces/new" not in client.get("/?sort=interesting").content.decode()


def test_the_empty_gallery_polls_until_faces_land(client):
    html = client.get("/").content.decode()
    assert "No faces yet" in html
    assert "/faces/new?after=0&amp;reload=1" in html


def test_the_new_faces_poll_is_the_same_for_a_voter_and_a_stranger(client, settings):
    settings.GALLERY_CACHE_SECONDS = 60
    grid.grid_cache_clear()
    face = FaceFactory.create()
    client.post(f"/faces/{face.pk}/vote", {"label": "interesting"})
    poll = re.compile(r'<div class="new-faces".*?</div>', re.S)
    mine = poll.findall(client.get("/").content.decode())
    theirs = poll.findall(Client().get("/").content.decode())
    assert mine == theirs and len(mine) == 1
    grid.grid_cache_clear()


def test_most_interesting_says_where_the_faces_nobody_voted_up_start(client):
    unvoted_old, liked, unvoted_new = FaceFactory.create_batch(3)
    VoteFactory.create(face=liked, label="interesting")
    html = client.get("/?sort=interesting").content.decode()
    assert "9 interesting votes of 10 rank above 1 of 1" in html
    assert tile_ids(html) == [liked.pk, unvoted_new.pk, unvoted_old.pk]
    assert notes(html) == [grid.UNRANKED_NOTES[grid.Sort.INTERESTING]]
    before_note = html.split('class="grid-note"')[0]
    assert tile_ids(before_note) == [liked.pk]


def test_with_no_votes_the_note_heads_the_ranked_sorts(client):
    FaceFactory.create_batch(2)
    for sort in ("interesting", "boring", "controversial"):
        html = client.get(f"/?sort={sort}").content.decode()
        assert len(notes(html)) == 1
        assert html.index('class="grid-note"') < html.index('class="tile')


def test_the_note_follows_the_last_ranked_face_onto_the_next_page(client, settings):
    settings.GALLERY_PAGE_SIZE = 2
    faces = FaceFactory.create_batch(4)
    for face in faces[:2]:
        VoteFactory.create(face=face, label="interesting")
    first = client.get("/?sort=interesting").content.decode()
    assert notes(first) == []  # both ranked: the unranked start on the next page
    second = client.get(more_link(first), headers={"HX-Request": "true"})
    html = second.content.decode()
    assert len(notes(html)) == 1
    assert html.index('class="grid-note"') < html.index('class="tile')


def test_newest_and_random_have_no_note(client):
    FaceFactory.create_batch(2)
    for sort in ("newest", "random"):
        assert notes(client.get(f"/?sort={sort}").content.decode()) == []
