"""Face ids from the outside world: only what a bigint primary key could be gets through."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facegallery.gallery.ids import (
    MAX_FACE_ID,
    face_id_parse,
    face_id_valid,
    face_ids_parse,
    face_ids_valid,
)


@pytest.mark.parametrize("text", ["1", "42", " 7 ", str(MAX_FACE_ID)])
def test_it_parses_ascii_digits_within_a_bigint(text):
    assert face_id_parse(text) == int(text)


@pytest.mark.parametrize(
    "text",
    ["", "0", "-1", "+5", "1.0", "1e3", "abc", "²", "١٢", str(MAX_FACE_ID + 1), "9" * 40, "1 2"],
)
def test_it_refuses_anything_else(text):
    assert face_id_parse(text) is None


@pytest.mark.parametrize(
    ("value", "valid"),
    [(1, True), (MAX_FACE_ID, True), (0, False), (-3, False), (MAX_FACE_ID + 1, False),
     (True, False), (1.0, False), ("1", False), (None, False)],
)  # fmt: skip
def test_it_accepts_only_ints_that_a_primary_key_could_be(value, valid):
    assert face_id_valid(value) is valid


def test_it_finds_every_id_in_a_typed_list_and_ignores_the_rest():
    assert face_ids_parse("12, 15 #20,,x 0 ²") == [12, 15, 20]


def test_it_keeps_the_valid_ids_of_a_stored_list_and_reads_other_shapes_as_empty():
    assert face_ids_valid([3, True, -1, "4", 2**70, 5]) == [3, 5]
    assert face_ids_valid({"not": "a list"}) == []
    assert face_ids_valid(None) == []


@given(st.text(max_size=30))
def test_whatever_it_parses_is_a_valid_id(text):
    parsed = face_id_parse(text)
    assert parsed is None or face_id_valid(parsed)
