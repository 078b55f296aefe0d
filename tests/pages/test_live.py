"""The live page and the polls that take in new faces (/live, /live/faces, /faces/new): cheap
when nothing is new, the same answer for everyone, and never a hidden or filtered face."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from facegallery.gallery.models import Face, FaceStatus
from facegallery.pages import live
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_live_cache():
    live.live_cache_clear()
    yield
    live.live_cache_clear()


def face_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-face="(\d+)"', html)]


def poll_after(html: str) -> int:
    match = re.search(r'id="live-poll".*?after=(\d+)', html, re.S)
    assert match is not None, "no live poll on the page"
    return int(match[1])


def test_the_live_page_draws_the_newest_face_and_lists_the_ones_before(client):
    faces = FaceFactory.create_batch(live.LIVE_STRIP + 3)
    html = client.get("/live").content.decode()
    stage = html.split('id="live-stage"')[1].split('id="live-strip"')[0]
    strip = html.split('id="live-strip"')[1].split("</ol>")[0]
    assert face_ids(stage) == [faces[-1].pk]
    assert 'class="drawing play"' in stage
    assert face_ids(strip) == [f.pk for f in reversed(faces[-live.LIVE_STRIP : -1])]
    assert poll_after(html) == faces[-1].pk
    assert f'hx-trigger="every {live.LIVE_POLL_SECONDS}s"' in html


def test_the_live_page_waits_for_the_first_face(client):
    html = client.get("/live").content.decode()
    assert "No faces yet" in html
    assert poll_after(html) == 0


def test_a_poll_with_nothing_new_answers_204_without_asking_the_database_again(
    client, django_assert_num_queries
):
    face = FaceFactory.create()
    with django_assert_num_queries(1):  # the newest id, kept for a second
        assert client.get(f"/live/faces?after={face.pk}").status_code == 204
    with django_assert_num_queries(0):
        response = client.get(f"/live/faces?after={face.pk}")
    assert response.status_code == 204
    assert response.content == b""


def test_a_poll_brings_the_newest_faces_after_the_page_s_oldest_first(client):
    faces = FaceFactory.create_batch(6)
    response = client.get(f"/live/faces?after={faces[0].pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert face_ids(html) == [f.pk for f in faces[-live.LIVE_BATCH :]]
    assert 'hx-swap-oob="true"' in html  # the next poll asks after the newest of them
    assert poll_after(html) == faces[-1].pk


def test_a_poll_answer_is_the_same_for_everyone_and_cacheable(client):
    old, _ = FaceFactory.create_batch(2)
    client.post(f"/faces/{old.pk}/vote", {"label": "interesting"})  # a visitor with a session
    mine = client.get(f"/live/faces?after={old.pk}")
    theirs = Client().get(f"/live/faces?after={old.pk}")
    assert mine.content == theirs.content
    assert mine["Cache-Control"] == "public, max-age=1"
    assert "Cookie" not in mine.get("Vary", "")
    assert not mine.cookies


def test_hidden_and_filtered_faces_never_reach_the_live_page(client):
    first, hidden, filtered, shown = FaceFactory.create_batch(4)
    Face.objects.filter(pk=hidden.pk).update(status=FaceStatus.HIDDEN)
    Face.objects.filter(pk=filtered.pk).update(status=FaceStatus.FILTERED)
    assert face_ids(client.get(f"/live/faces?after={first.pk}").content.decode()) == [shown.pk]
    assert hidden.pk not in face_ids(client.get("/live").content.decode())


@pytest.mark.parametrize("after", ["", "x", "-1", "1.5", "99999999999999999999"])
def test_a_poll_with_a_bad_after_is_refused(client, after):
    assert client.get(f"/live/faces?after={after}").status_code == 400
    assert client.get(f"/faces/new?after={after}").status_code == 400


def test_the_gallery_counts_new_faces_once_per_change(client):
    first, *_ = FaceFactory.create_batch(3)
    response = client.get(f"/faces/new?after={first.pk}&shown=0")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 new faces: show" in html
    assert f"after={first.pk}&amp;shown=2" in html  # the poller that replaces this one
    assert 'hx-select="#faces"' in html
    assert client.get(f"/faces/new?after={first.pk}&shown=2").status_code == 204  # no change


def test_the_gallery_count_stops_at_99(client):
    first, *_ = FaceFactory.create_batch(live.NEW_FACES_CAP + 5)
    html = client.get(f"/faces/new?after={first.pk}&shown=0").content.decode()
    assert f"{live.NEW_FACES_CAP}+ new faces" in html


def test_the_empty_gallery_reloads_itself_when_faces_land(client):
    assert client.get("/faces/new?after=0&reload=1").status_code == 204
    live.live_cache_clear()
    FaceFactory.create()
    response = client.get("/faces/new?after=0&reload=1")
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_the_gallery_announces_a_face_only_once_its_shared_page_has_it(client, settings):
    settings.GALLERY_CACHE_SECONDS = 60  # a first page rendered a minute ago may lack it
    first, new = FaceFactory.create_batch(2)
    assert client.get(f"/faces/new?after={first.pk}&shown=0").status_code == 204
    live.live_cache_clear()
    Face.objects.filter(pk=new.pk).update(created=new.created - timedelta(seconds=61))
    assert "1 new face: show" in client.get(f"/faces/new?after={first.pk}&shown=0").content.decode()
