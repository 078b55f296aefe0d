"""The live drawing's clock: a face drawn in about 1.5 s whatever its size, stroke after stroke."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from facegallery.gallery.pictures import (
    MAX_DRAW_SECONDS,
    PEN_LIFT,
    face_animation,
    face_strokes3,
    stroke_timings,
)
from generator.strokes import stroke3_to_polylines
from tests.factories import FaceFactory, real_drawings

pytestmark = pytest.mark.django_db


def drawn_in(timings: list[tuple[float, float]]) -> float:
    start, duration = timings[-1]
    return start + duration


def real_polylines() -> list[list[np.ndarray]]:
    faces = FaceFactory.build_batch(len(real_drawings()))
    return [stroke3_to_polylines(face_strokes3(face)) for face in faces]


def test_real_faces_are_drawn_in_about_one_and_a_half_seconds():
    seconds = [drawn_in(stroke_timings(polylines)) for polylines in real_polylines()]
    assert all(1.0 <= s <= MAX_DRAW_SECONDS for s in seconds), seconds
    assert 1.3 <= sum(seconds) / len(seconds) <= 1.7, seconds


@pytest.mark.parametrize("scale", [0.01, 0.3, 3.0, 1000.0])
def test_the_pen_speed_follows_the_drawings_size_so_any_size_takes_as_long(scale):
    for polylines in real_polylines():
        scaled = [line * scale for line in polylines]
        assert np.allclose(stroke_timings(scaled), stroke_timings(polylines))


def test_strokes_are_drawn_one_after_another_a_pen_lift_apart():
    for polylines in real_polylines():
        timings = stroke_timings(polylines)
        assert timings[0][0] == 0
        for (start, duration), (next_start, _) in pairwise(timings):
            assert next_start == pytest.approx(start + duration + PEN_LIFT)


def test_a_long_scribble_is_sped_up_to_end_in_time():
    zigzag = np.array([[0, 0], [100, 0]] * 40, dtype=float)  # 79 widths of pen travel
    dots = [np.array([[x, 100.0]]) for x in range(0, 100, 5)]  # 20 one-point strokes
    timings = stroke_timings([zigzag, *dots])
    assert drawn_in(timings) == pytest.approx(MAX_DRAW_SECONDS)
    assert all(duration > 0 for _, duration in timings)  # the dots still appear


def test_a_drawing_of_dots_only_or_of_nothing_has_a_clock_too():
    assert stroke_timings([]) == []
    assert len(stroke_timings([np.zeros((1, 2)), np.zeros((1, 2))])) == 2


def test_the_live_drawing_formats_its_clock_and_ends_when_the_last_stroke_does():
    face = FaceFactory.build()
    drawing = face_animation(face)
    timings = stroke_timings(stroke3_to_polylines(face_strokes3(face)))
    assert [stroke.delay for stroke in drawing.strokes] == [f"{s:.2f}" for s, _ in timings]
    assert [stroke.duration for stroke in drawing.strokes] == [f"{d:.2f}" for _, d in timings]
    assert drawing.total_seconds == pytest.approx(drawn_in(timings), abs=0.1)
