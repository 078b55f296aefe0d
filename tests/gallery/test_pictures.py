"""A face's pictures: one renderer for pages, API and admin, the same screen-pixel strokes at
every size, and the live drawing drawing the same paths."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from facegallery.gallery.pictures import face_animation, face_svg
from generator.packing import CorruptStrokes
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("size", [None, 56, 96, 320])
def test_a_face_picture_has_two_pixel_strokes_at_every_size(size):
    face = FaceFactory.build()
    root = ET.fromstring(face_svg(face, size=size))
    assert root.attrib["stroke-width"] == "2" and root.attrib["stroke"] == "currentColor"
    paths = root.findall(f"{SVG}path")
    assert len(paths) == face.num_strokes
    assert all(path.attrib["vector-effect"] == "non-scaling-stroke" for path in paths)
    assert root.attrib.get("width") == (None if size is None else str(size))


def test_sizes_and_colours_change_nothing_but_their_attributes():
    face = FaceFactory.build()
    pictures = [face_svg(face), face_svg(face, size=56), face_svg(face, color="#222")]
    roots = [ET.fromstring(svg) for svg in pictures]
    assert len({root.attrib["viewBox"] for root in roots}) == 1
    paths = [root.find(f"{SVG}path") for root in roots]
    assert len({ET.tostring(path) for path in paths if path is not None}) == 1
    assert None not in paths


def test_the_live_drawing_draws_the_paths_of_the_picture():
    face = FaceFactory.build()
    picture = ET.fromstring(face_svg(face))
    drawn = [stroke.d for stroke in face_animation(face).strokes]
    assert drawn == [path.attrib["d"] for path in picture.findall(f"{SVG}path")]


def test_corrupt_strokes_are_an_error_not_a_picture():
    with pytest.raises(CorruptStrokes, match="truncated"):
        face_svg(FaceFactory.build(strokes=b"\x01\x00\x80"))
