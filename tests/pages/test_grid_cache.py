"""The shared gallery grid: one render serves every visitor for GALLERY_CACHE_SECONDS, yet
each gets their own CSRF token, their own votes pressed with fresh counts, and their own
messages; nothing of one visitor reaches another."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from facegallery.pages import grid
from tests.factories import FaceFactory
from tests.pages.tiles import tile, tile_ids

# What voting does and shows: each visitor counts from its first vote (tests/voting/ for who
# counts when).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("voters_established_at_once")]


@pytest.fixture(autouse=True)
def shared_grid(settings):
    settings.GALLERY_CACHE_SECONDS = 60
    grid.grid_cache_clear()
    yield
    grid.grid_cache_clear()


def csrf_values(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_visitors_share_one_render_until_it_expires(monkeypatch):
    old = FaceFactory.create()
    clock = [1000.0]
    monkeypatch.setattr(grid.time, "monotonic", lambda: clock[0])
    assert tile_ids(Client().get("/").content.decode()) == [old.pk]
    new = FaceFactory.create()
    assert tile_ids(Client().get("/").content.decode()) == [old.pk]  # the shared render
    clock[0] += 61
    assert tile_ids(Client().get("/").content.decode()) == [new.pk, old.pk]


def test_each_visitor_gets_a_working_csrf_token_of_their_own():
    face = FaceFactory.create()
    tokens = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        html = browser.get("/").content.decode()
        (token,) = csrf_values(html)
        assert grid.CSRF_PLACEHOLDER not in html
        tokens.append(token)
        response = browser.post(
            f"/faces/{face.pk}/vote", {"label": "boring", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 303
    assert tokens[0] != tokens[1]
    face.refresh_from_db()
    assert face.boring_count == 2


def test_a_voter_sees_their_votes_pressed_with_fresh_counts_and_others_do_not(client):
    face, other = FaceFactory.create_batch(2)
    stranger = Client()
    stranger.get("/")  # the shared render, before the vote
    client.post(f"/faces/{face.pk}/vote", {"label": "interesting"})
    mine = client.get("/").content.decode()
    assert re.search(r'value="none"\s+aria-pressed="true"', tile(mine, face))
    assert 'data-count="interesting">1<' in tile(mine, face)
    assert 'aria-pressed="true"' not in tile(mine, other)
    theirs = stranger.get("/").content.decode()
    assert 'aria-pressed="true"' not in theirs
    assert 'data-count="interesting">0<' in tile(theirs, face)  # shared: up to 60 s old here


def test_pending_messages_show_to_their_visitor_only(client):
    face, _ = FaceFactory.create_batch(2)
    client.post("/vote/act", {"action": "boring", "face": face.pk})  # no JS: notice queued
    html = client.get("/").content.decode()
    assert f"Face #{face.pk}: boring." in html
    assert f"Face #{face.pk}: boring." not in Client().get("/").content.decode()
    assert f"Face #{face.pk}: boring." not in client.get("/").content.decode()  # shown once


def test_random_is_rendered_for_every_visit():
    FaceFactory.create_batch(3)
    Client().get("/?sort=random")
    Client().get("/")
    assert [key[0] for key in grid._pages] == ["newest"]


def test_the_shared_pages_are_bounded_however_many_cursors_visitors_send(
    client, settings, monkeypatch
):
    settings.GALLERY_PAGE_SIZE = 1
    monkeypatch.setattr(grid, "_CACHE_LIMIT", 2)
    FaceFactory.create_batch(3)
    match = re.search(r"cursor=([^\"&]+)", client.get("/").content.decode())
    assert match is not None, "no next-page link"
    cursor = match[1]
    for url in [f"/?cursor={cursor}", "/?sort=boring", "/?sort=interesting"]:
        assert client.get(url).status_code == 200
        assert len(grid._pages) <= 2


def test_an_expired_page_serves_meanwhile_while_another_thread_renders_it(monkeypatch):
    old = FaceFactory.create()
    clock = [1000.0]
    monkeypatch.setattr(grid.time, "monotonic", lambda: clock[0])
    Client().get("/")
    FaceFactory.create()
    clock[0] += 61
    grid._rendering.add(("newest", "", False))  # as if another thread were rendering it
    assert tile_ids(Client().get("/").content.decode()) == [old.pk]
    grid._rendering.clear()
    assert len(tile_ids(Client().get("/").content.decode())) == 2
