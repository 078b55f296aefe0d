"""Gallery cursors: only what Cursor.encode() wrote comes back in, field types included, and
a wrongly typed or padded cursor is a 400 with a message on the pages and in the API."""

from __future__ import annotations

import base64
import json

import pytest

from facegallery.gallery.selectors import Cursor, InvalidCursor, Sort
from facegallery.pages import grid
from tests.factories import FaceFactory
from tests.pages.test_gallery import next_link


def spelled(*fields: object) -> str:
    """A cursor as a client could write it: any JSON, in the encoding Cursor uses."""
    raw = json.dumps(list(fields), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


GOOD = {
    Sort.NEWEST: Cursor(Sort.NEWEST, 1, 41, 41),
    Sort.INTERESTING: Cursor(Sort.INTERESTING, 0, 0.25, 7),
    Sort.RANDOM: Cursor(Sort.RANDOM, 1, 0.5, 9, 0.75),
}

WRONGLY_TYPED = [
    ("newest", True, 41, 41, 0.0),  # a boolean segment
    ("newest", 0, True, 41, 0.0),  # a boolean where an id belongs
    ("newest", 0, 41, True, 0.0),
    ("newest", 0, 41.0, 41, 0.0),  # a float where an id belongs
    ("newest", 0, 41, 41.0, 0.0),
    ("newest", 0, "41", 41, 0.0),  # a string
    ("newest", 0, 41, "41", 0.0),
    ("newest", "0", 41, 41, 0.0),
    ("newest", 0, 41, 41, False),
    ("newest", 0, 41, 41, 0),  # start is a float
    ("interesting", 0, True, 7, 0.0),
    ("interesting", 0, False, 7, 0.0),
    ("interesting", 0, "0.25", 7, 0.0),
    ("interesting", 0, None, 7, 0.0),
    ("interesting", 0, [0.25], 7, 0.0),
    ("interesting", 0, 1e300 * 10, 7, 0.0),  # Infinity
    ("random", 0, 0.5, 9, "0.75"),
    ("random", 0, 0.5, 9, 1.0),
    ("newest", 0, 41, 0, 0.0),  # not a face id
    ("newest", 0, 41, 2**63, 0.0),
]


@pytest.mark.parametrize("cursor", GOOD.values(), ids=lambda c: c.sort.value)
def test_a_cursor_the_server_wrote_decodes_to_itself(cursor):
    assert Cursor.decode(cursor.encode(), sort=cursor.sort) == cursor


@pytest.mark.parametrize("fields", WRONGLY_TYPED, ids=repr)
def test_a_wrongly_typed_field_is_refused_with_a_message_naming_it(fields):
    with pytest.raises(InvalidCursor, match="cursor"):
        Cursor.decode(spelled(*fields), sort=Sort(fields[0]))


@pytest.mark.parametrize("junk", ["!", "~~", "AAAA", "=", "==", "%20", " "])
def test_junk_after_a_valid_cursor_is_refused(junk):
    text = GOOD[Sort.INTERESTING].encode()
    with pytest.raises(InvalidCursor):
        Cursor.decode(text + junk, sort=Sort.INTERESTING)


def test_the_same_position_spelled_another_way_is_refused():
    cursor = GOOD[Sort.INTERESTING]
    loose = json.dumps([cursor.sort.value, 0, 0.25, 7, 0.0])  # spaces after the commas
    text = base64.urlsafe_b64encode(loose.encode()).decode()
    with pytest.raises(InvalidCursor, match="not written the way"):
        Cursor.decode(text, sort=Sort.INTERESTING)


@pytest.mark.django_db
@pytest.mark.bad_input("unknown sort and filter parameters, bad cursors")
@pytest.mark.parametrize("fields", WRONGLY_TYPED[:12], ids=repr)
def test_the_api_answers_a_wrongly_typed_cursor_with_400_and_a_detail(client, fields):
    FaceFactory.create()
    response = client.get(f"/api/faces?sort={fields[0]}&cursor={spelled(*fields)}")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("cursor ")


@pytest.mark.django_db
@pytest.mark.bad_input("unknown sort and filter parameters, bad cursors")
@pytest.mark.parametrize("fields", WRONGLY_TYPED[:12], ids=repr)
def test_the_gallery_answers_a_wrongly_typed_cursor_with_a_friendly_400(client, fields):
    FaceFactory.create()
    response = client.get(f"/?sort={fields[0]}&cursor={spelled(*fields)}")
    assert response.status_code == 400
    assert b"Back to the gallery" in response.content


@pytest.mark.django_db
def test_junk_after_a_cursor_cannot_make_a_second_cached_page(client, settings):
    settings.GALLERY_CACHE_SECONDS = 60
    settings.GALLERY_PAGE_SIZE = 1
    grid.grid_cache_clear()
    FaceFactory.create_batch(3)
    next_url = next_link(client.get("/?sort=newest").content.decode())
    assert next_url is not None
    assert client.get("/" + next_url).status_code == 200
    for junk in ("!", "!!", "..", "%21"):
        assert client.get(f"/{next_url}{junk}").status_code == 400
    assert len(grid._pages) == 2  # the first page and the cursor's, nothing for the junk
    grid.grid_cache_clear()
