"""The gallery grid: sorts, featured pinning, keyset pages with ties, hidden faces, bad input."""

from __future__ import annotations

import itertools
import re

import pytest

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.selectors import Cursor, Sort
from tests.factories import FaceFactory
from tests.pages.tiles import tile, tile_ids

pytestmark = pytest.mark.django_db

SORT_KEYS = {
    "interesting": lambda f: (-f.wilson_interesting, -f.pk),
    "boring": lambda f: (-f.wilson_boring, -f.pk),
    "controversial": lambda f: (-f.controversy, -f.pk),
}


def next_link(html: str) -> str | None:
    match = re.search(r'href="(\?sort=[a-z]+&amp;cursor=[^"]+)"', html)
    return match[1].replace("&amp;", "&") if match else None


def walk(client, first_url: str) -> list[list[int]]:
    """Every page of the listing, following the "more" links."""
    pages: list[list[int]] = []
    url: str | None = first_url
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(tile_ids(html))
        url = next_link(html)
        assert len(pages) < 100, "pagination does not end"
    return pages


@pytest.fixture
def tied_faces():
    """Faces whose sort values tie in groups of three, plus hidden and filtered ones."""
    faces = FaceFactory.create_batch(11)
    for i, face in enumerate(faces):
        face.wilson_interesting = (i // 3) / 10
        face.wilson_boring = ((11 - i) // 3) / 10
        face.controversy = float(i % 2)
        face.shuffle_key = (i // 2) / 11  # ties on the random key too
    Face.objects.bulk_update(
        faces, ["wilson_interesting", "wilson_boring", "controversy", "shuffle_key"]
    )
    hidden = FaceFactory.create_batch(2, status=FaceStatus.HIDDEN, wilson_interesting=1.0)
    filtered = FaceFactory.create_batch(2, status=FaceStatus.FILTERED, wilson_interesting=1.0)
    return faces, hidden + filtered


@pytest.mark.parametrize("sort", ["interesting", "boring", "controversial"])
def test_each_sort_lists_every_visible_face_once_in_order_across_pages_with_ties(
    client, settings, tied_faces, sort
):
    settings.GALLERY_PAGE_SIZE = 4
    visible, _ = tied_faces
    pages = walk(client, f"/?sort={sort}")
    expected = [f.pk for f in sorted(visible, key=SORT_KEYS[sort])]
    assert [i for page in pages for i in page] == expected
    assert [len(p) for p in pages] == [4, 4, 3]


def test_newest_pins_featured_faces_first_then_the_rest_newest_first(client, settings):
    settings.GALLERY_PAGE_SIZE = 3
    faces = FaceFactory.create_batch(7)
    featured = [faces[1], faces[4]]
    Face.objects.filter(pk__in=[f.pk for f in featured]).update(featured=True)
    ids = [i for page in walk(client, "/") for i in page]
    rest = [f.pk for f in reversed(faces) if f not in featured]
    assert ids == [faces[4].pk, faces[1].pk, *rest]


def test_random_order_lists_every_visible_face_once_from_a_random_start(
    client, settings, tied_faces
):
    settings.GALLERY_PAGE_SIZE = 4
    visible, _hidden = tied_faces
    ids = [i for page in walk(client, "/?sort=random") for i in page]
    assert sorted(ids) == sorted(f.pk for f in visible)
    keys = {f.pk: (f.shuffle_key, f.pk) for f in Face.objects.filter(pk__in=ids)}
    # One wrap-around at most: ascending from the start, then ascending from the lowest key.
    descents = sum(keys[a] > keys[b] for a, b in itertools.pairwise(ids))
    assert descents <= 1


def test_hidden_and_filtered_faces_are_never_listed(client, tied_faces):
    _, not_public = tied_faces
    for sort in Sort:
        html = client.get(f"/?sort={sort}").content.decode()
        assert not set(tile_ids(html)) & {f.pk for f in not_public}


def test_htmx_asks_for_the_next_page_and_gets_only_the_tiles(client, settings):
    settings.GALLERY_PAGE_SIZE = 2
    FaceFactory.create_batch(3)
    url = next_link(client.get("/").content.decode())
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert len(tile_ids(response.content.decode())) == 1


@pytest.mark.bad_input("unknown sort and filter parameters, bad cursors")
@pytest.mark.parametrize(
    "query",
    [
        "sort=best",
        "cursor=not-a-cursor",
        "cursor=" + Cursor(Sort.NEWEST, 0, 5, 5).encode() + "&sort=interesting",
        "cursor=" + Cursor(Sort.NEWEST, 7, 5, 5).encode(),
        "cursor=" + Cursor(Sort.NEWEST, 0, 5, -1).encode(),  # a negative id
    ],
)
def test_bad_sorts_and_cursors_get_a_friendly_400_page(client, query):
    FaceFactory.create()
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert b"Back to the gallery" in response.content


def test_a_first_visit_starts_no_session(client):
    FaceFactory.create_batch(2)
    response = client.get("/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_the_visitors_own_votes_show_as_pressed_buttons(client):
    face, other = FaceFactory.create_batch(2)
    client.post(f"/faces/{face.pk}/vote", {"label": "boring"})
    html = client.get("/").content.decode()
    assert re.search(r'value="none"\s+aria-pressed="true"', tile(html, face))
    assert 'aria-pressed="true"' not in tile(html, other)


def test_an_empty_gallery_says_faces_are_coming(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"No faces yet" in response.content
