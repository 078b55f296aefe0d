"""Stroke formats: round trips on real Quick, Draw! faces and generated arrays, edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from generator.strokes import (
    END_ROW,
    START_TOKEN,
    bounds,
    polylines_to_quickdraw,
    polylines_to_stroke3,
    quickdraw_to_polylines,
    quickdraw_to_stroke3,
    stroke3_from_bytes,
    stroke3_to_bytes,
    stroke3_to_int16,
    stroke3_to_polylines,
    stroke3_to_quickdraw,
    stroke3_to_stroke5,
    stroke3_to_svg_path,
    stroke5_to_stroke3,
    svg_path_to_polylines,
    to_normalised,
    to_pixels,
)

FACE_SCALE = 78.2


@st.composite
def stroke3_arrays(draw, elements=None, max_points: int = 60) -> np.ndarray:
    """Stroke-3 arrays of 0..max_points points with 0/1 pens; deltas from ``elements``."""
    n = draw(st.integers(0, max_points))
    if elements is None:
        elements = st.floats(-500, 500, allow_nan=False, width=64)
    deltas = draw(hnp.arrays(np.float64, (n, 2), elements=elements))
    pens = draw(hnp.arrays(np.float64, (n,), elements=st.sampled_from([0.0, 1.0])))
    return np.column_stack([deltas, pens]).reshape(n, 3)


integer_stroke3 = stroke3_arrays(elements=st.integers(-300, 300).map(float))


def lifted_at_end(strokes3: np.ndarray) -> np.ndarray:
    """The same drawing with p = 1 on its last point, the form polylines give back."""
    out = strokes3.copy()
    if len(out):
        out[-1, 2] = 1
    return out


@given(stroke3_arrays())
def test_stroke3_round_trips_through_stroke5_exactly(strokes3):
    back = stroke5_to_stroke3(stroke3_to_stroke5(strokes3), start_token=False)
    np.testing.assert_array_equal(back, strokes3)


@given(stroke3_arrays(), st.integers(0, 20))
def test_stroke3_round_trips_through_padded_stroke5_exactly(strokes3, extra):
    strokes5 = stroke3_to_stroke5(strokes3, max_len=len(strokes3) + extra)
    assert strokes5.shape == (len(strokes3) + extra, 5)
    np.testing.assert_array_equal(stroke5_to_stroke3(strokes5, start_token=False), strokes3)


def test_stroke3_to_stroke5_sets_one_hot_pens_and_appends_one_end_row_without_start_token():
    strokes3 = np.array([[5.0, 6.0, 0], [1.0, -2.0, 1], [3.0, 3.0, 0]])
    expected = [
        [5, 6, 1, 0, 0],
        [1, -2, 0, 1, 0],
        [3, 3, 1, 0, 0],
        [0, 0, 0, 0, 1],
    ]
    np.testing.assert_array_equal(stroke3_to_stroke5(strokes3), expected)


def test_stroke3_to_stroke5_pads_with_end_rows_to_max_len():
    strokes5 = stroke3_to_stroke5(np.array([[1.0, 2.0, 1]]), max_len=4)
    np.testing.assert_array_equal(strokes5[0], [1, 2, 0, 1, 0])
    np.testing.assert_array_equal(strokes5[1:], np.tile(END_ROW, (3, 1)))


def test_stroke3_to_stroke5_fills_max_len_without_an_end_row_like_magenta():
    strokes3 = np.array([[1.0, 2.0, 0], [3.0, 4.0, 1]])
    strokes5 = stroke3_to_stroke5(strokes3, max_len=2)
    assert strokes5.shape == (2, 5) and not strokes5[:, 4].any()
    np.testing.assert_array_equal(stroke5_to_stroke3(strokes5), strokes3)


def test_stroke3_to_stroke5_rejects_drawings_longer_than_max_len():
    with pytest.raises(ValueError, match="more than max_len=2"):
        stroke3_to_stroke5(np.zeros((3, 3)), max_len=2)


def test_stroke5_to_stroke3_drops_a_leading_start_token_and_stops_at_the_first_end_row():
    strokes5 = np.array(
        [START_TOKEN, [1, 2, 1, 0, 0], [3, 4, 0, 1, 0], END_ROW, [9, 9, 1, 0, 0], END_ROW]
    )
    np.testing.assert_array_equal(stroke5_to_stroke3(strokes5), [[1, 2, 0], [3, 4, 1]])


def test_stroke5_to_stroke3_keeps_a_leading_zero_move_when_told_there_is_no_start_token():
    strokes3 = np.array([[0.0, 0.0, 0], [10.0, 0.0, 1]])  # a line from the origin
    strokes5 = stroke3_to_stroke5(strokes3)
    np.testing.assert_array_equal(stroke5_to_stroke3(strokes5, start_token=False), strokes3)
    assert len(stroke5_to_stroke3(strokes5)) == 1  # the documented ambiguity of S0


def test_stroke5_to_stroke3_with_start_token_true_requires_it():
    with pytest.raises(ValueError, match="not the start token"):
        stroke5_to_stroke3(np.array([[1, 2, 1, 0, 0]]), start_token=True)


def test_stroke5_to_stroke3_keeps_float32_model_output_as_float32():
    strokes5 = np.array([START_TOKEN, [0.5, -0.25, 0, 1, 0], END_ROW], dtype=np.float32)
    strokes3 = stroke5_to_stroke3(strokes5)
    assert strokes3.dtype == np.float32
    np.testing.assert_array_equal(strokes3, [[0.5, -0.25, 1]])


@pytest.mark.parametrize("pens", [[0, 0, 0], [1, 1, 0], [0.5, 0.5, 0]], ids=["none", "two", "soft"])
def test_stroke5_to_stroke3_rejects_pen_states_that_are_not_one_hot(pens):
    with pytest.raises(ValueError, match="one-hot"):
        stroke5_to_stroke3(np.array([[1, 1, *pens]], dtype=float))


def test_an_empty_drawing_is_one_end_row_in_stroke5_and_nothing_elsewhere():
    empty = np.zeros((0, 3))
    np.testing.assert_array_equal(stroke3_to_stroke5(empty), [END_ROW])
    assert stroke5_to_stroke3(np.array([START_TOKEN, END_ROW])).shape == (0, 3)
    assert stroke5_to_stroke3(np.zeros((0, 5))).shape == (0, 3)
    assert stroke3_to_polylines(empty) == []
    assert polylines_to_stroke3([]).shape == (0, 3)
    assert stroke3_to_quickdraw(empty) == []
    assert quickdraw_to_stroke3([]).shape == (0, 3)
    assert stroke3_to_svg_path(empty) == []
    assert stroke3_from_bytes(stroke3_to_bytes(stroke3_to_int16(empty))).shape == (0, 3)


def test_real_faces_round_trip_ndjson_to_stroke3_and_back_byte_identically(quickdraw_faces):
    for face in quickdraw_faces:
        strokes3 = quickdraw_to_stroke3(face["drawing"])
        assert strokes3.shape == (sum(len(xs) for xs, _ in face["drawing"]), 3)
        assert strokes3[:, 2].sum() == len(face["drawing"])
        assert json.dumps(stroke3_to_quickdraw(strokes3)) == json.dumps(face["drawing"])


def test_real_faces_round_trip_through_stroke5_int16_and_bytes_exactly(quickdraw_faces):
    for face in quickdraw_faces:
        strokes3 = quickdraw_to_stroke3(face["drawing"])
        np.testing.assert_array_equal(stroke5_to_stroke3(stroke3_to_stroke5(strokes3)), strokes3)
        stored = stroke3_from_bytes(stroke3_to_bytes(stroke3_to_int16(strokes3)))
        np.testing.assert_array_equal(stored, strokes3)
        assert stroke3_to_quickdraw(stored) == face["drawing"]


def test_real_faces_keep_their_shape_through_normalised_units(quickdraw_faces):
    strokes3 = quickdraw_to_stroke3(quickdraw_faces[0]["drawing"])
    normalised = to_normalised(strokes3, FACE_SCALE)
    assert np.abs(normalised[:, :2]).max() < 255 / FACE_SCALE + 1e-9
    np.testing.assert_array_equal(normalised[:, 2], strokes3[:, 2])
    assert stroke3_to_quickdraw(to_pixels(normalised, FACE_SCALE)) == quickdraw_faces[0]["drawing"]


@given(integer_stroke3)
def test_integer_stroke3_round_trips_through_polylines_and_quickdraw_exactly(strokes3):
    expected = lifted_at_end(strokes3)
    np.testing.assert_array_equal(polylines_to_stroke3(stroke3_to_polylines(strokes3)), expected)
    drawing = stroke3_to_quickdraw(strokes3)
    assert all(type(v) is int for xs, ys in drawing for v in xs + ys)
    np.testing.assert_array_equal(quickdraw_to_stroke3(drawing), expected)


def test_stroke3_to_polylines_adds_the_origin_and_splits_after_pen_lifts():
    strokes3 = np.array([[10, 20, 0], [5, 0, 1], [0, 10, 1], [1, 1, 0], [1, 1, 1]])
    lines = stroke3_to_polylines(strokes3, origin=(100, 200))
    assert [line.tolist() for line in lines] == [
        [[110, 220], [115, 220]],
        [[115, 230]],
        [[116, 231], [117, 232]],
    ]


def test_polylines_to_stroke3_measures_the_first_delta_from_the_origin():
    strokes3 = polylines_to_stroke3([np.array([[3, 4], [5, 4]]), np.array([[0, 0]])])
    np.testing.assert_array_equal(strokes3, [[3, 4, 0], [2, 0, 1], [-5, -4, 1]])


def test_a_trailing_stroke_without_a_pen_lift_is_treated_as_lifted():
    strokes3 = np.array([[1, 1, 1], [2, 2, 0], [3, 3, 0]])
    assert [len(line) for line in stroke3_to_polylines(strokes3)] == [1, 2]
    assert stroke3_to_quickdraw(strokes3) == [[[1], [1]], [[3, 6], [3, 6]]]
    assert stroke3_to_svg_path(strokes3) == ["M1 1", "M3 3l3 3"]


def test_single_point_strokes_survive_every_conversion():
    drawing = [[[7], [9]], [[1, 2], [3, 4]], [[200], [0]]]
    strokes3 = quickdraw_to_stroke3(drawing)
    np.testing.assert_array_equal(strokes3[:, 2], [1, 0, 1, 1])
    assert stroke3_to_quickdraw(stroke5_to_stroke3(stroke3_to_stroke5(strokes3))) == drawing
    paths = stroke3_to_svg_path(strokes3)
    assert paths[0] == "M7 9"
    assert [line.tolist() for p in paths for line in svg_path_to_polylines(p)] == [
        [[7, 9]],
        [[1, 3], [2, 4]],
        [[200, 0]],
    ]


def test_quickdraw_rejects_ragged_strokes():
    with pytest.raises(ValueError, match="stroke 1 is ragged"):
        quickdraw_to_polylines([[[0], [0]], [[1, 2, 3], [4, 5]]])


def test_quickdraw_rejects_strokes_that_are_not_an_xs_and_a_ys_list():
    with pytest.raises(ValueError, match=r"stroke 0 must be \[xs, ys\]"):
        quickdraw_to_polylines([[[1, 2], [3, 4], [5, 6]]])


def test_polylines_to_quickdraw_rounds_to_python_ints():
    drawing = polylines_to_quickdraw([np.array([[1.4, 2.6], [-0.6, 3.0]])])
    assert drawing == [[[1, -1], [3, 3]]]
    assert json.dumps(drawing) == "[[[1, -1], [3, 3]]]"


@pytest.mark.bad_input("malformed stroke data")
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros(3), r"shape \(N, 3\), got \(3,\)"),
        (np.zeros((2, 5)), r"shape \(N, 3\), got \(2, 5\)"),
        (np.zeros((1, 2, 3)), r"shape \(N, 3\)"),
        (np.array([["a", "b", "c"]]), "real numbers"),
        (np.array([[True, False, True]]), "real numbers"),
        (np.array([[np.nan, 0, 1]]), "NaN"),
        (np.array([[1, 2, 2]]), "0 or 1"),
    ],
)
def test_malformed_stroke3_is_rejected_with_a_clear_message(bad, message):
    for convert in (stroke3_to_stroke5, stroke3_to_polylines, stroke3_to_int16, bounds):
        with pytest.raises(ValueError, match=message):
            convert(bad)


@pytest.mark.bad_input("malformed stroke data")
def test_malformed_polylines_are_rejected_with_their_index():
    with pytest.raises(ValueError, match=r"polyline 1 must have shape \(N, 2\)"):
        polylines_to_stroke3([np.zeros((2, 2)), np.zeros((2, 3))])


@given(stroke3_arrays(), st.floats(0.01, 1000))
def test_to_pixels_undoes_to_normalised_and_scales_only_the_offsets(strokes3, factor):
    normalised = to_normalised(strokes3, factor)
    np.testing.assert_allclose(normalised[:, :2] * factor, strokes3[:, :2], atol=1e-9)
    np.testing.assert_array_equal(normalised[:, 2], strokes3[:, 2])
    np.testing.assert_allclose(to_pixels(normalised, factor), strokes3, rtol=1e-12, atol=1e-9)


def test_scaling_leaves_the_input_untouched_and_needs_a_positive_factor():
    strokes3 = np.array([[1.0, 2.0, 1.0]])
    to_pixels(strokes3, FACE_SCALE)
    np.testing.assert_array_equal(strokes3, [[1, 2, 1]])
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="scale_factor"):
            to_normalised(strokes3, bad)


@given(stroke3_arrays(elements=st.floats(-3, 3), max_points=400))
def test_stroke3_to_int16_keeps_every_absolute_point_within_half_a_pixel(strokes3):
    # Many small fractional steps: rounding each delta would drift far beyond 0.5 px.
    stored = stroke3_to_int16(strokes3)
    assert stored.dtype == np.int16
    exact = np.cumsum(strokes3[:, :2], axis=0)
    assert np.all(np.abs(np.cumsum(stored[:, :2], axis=0) - exact) <= 0.5 + 1e-9)
    np.testing.assert_array_equal(stored[:, 2], strokes3[:, 2])


def test_stroke3_to_int16_does_not_accumulate_rounding_error():
    strokes3 = np.tile([0.4, -0.4, 0.0], (100, 1))  # per-delta rounding would give (0, 0)
    stored = stroke3_to_int16(strokes3)
    assert np.cumsum(stored[:, :2], axis=0)[-1].tolist() == [40, -40]


@pytest.mark.parametrize(
    ("rows", "what"),
    [
        ([[40000, 0, 1]], "position"),
        ([[-20000, 0, 0], [-20000, 0, 1]], "position"),  # every delta fits, the sum does not
        ([[30000, 0, 0], [-60000, 0, 1]], "delta"),  # every position fits, a step does not
    ],
)
def test_stroke3_to_int16_rejects_positions_and_deltas_outside_int16(rows, what):
    strokes3 = np.array(rows, dtype=float)
    with pytest.raises(ValueError, match=f"{what} is outside the int16 range"):
        stroke3_to_int16(strokes3)


@given(stroke3_arrays(elements=st.integers(-32768, 32767).map(float)))
def test_int16_stroke3_round_trips_through_bytes_exactly(strokes3):
    stored = strokes3.astype(np.int16)
    back = stroke3_from_bytes(stroke3_to_bytes(stored))
    assert back.dtype == np.int16 and back.flags.writeable
    np.testing.assert_array_equal(back, stored)


def test_stroke3_bytes_take_one_byte_a_small_delta_and_carry_the_pen_in_dx():
    # version byte, then zigzag(1)*2+1 = 5 and zigzag(-2) = 3: one byte each.
    assert stroke3_to_bytes(np.array([[1, -2, 1]], dtype=np.int64)) == b"\x01\x05\x03"


def test_real_faces_take_under_half_the_bytes_of_int16(quickdraw_faces):
    for record in quickdraw_faces:
        stored = stroke3_to_int16(quickdraw_to_stroke3(record["drawing"]))
        assert len(stroke3_to_bytes(stored)) < 3 * len(stored)


@pytest.mark.bad_input("malformed stroke data")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x02\x00\x00", "format version 2"),
        (b"\x01\x00\x80", "truncated"),
        (b"\x01\x00", "odd number"),
        (b"\x01\xff\xff\xff\x01\x00", "longer than 3 bytes"),
    ],
)
def test_stroke3_from_bytes_rejects_corrupt_data_with_a_clear_message(data, message):
    with pytest.raises(ValueError, match=message):
        stroke3_from_bytes(data)


def test_stroke3_to_bytes_rejects_floats_and_values_outside_int16():
    with pytest.raises(ValueError, match="use stroke3_to_int16"):
        stroke3_to_bytes(np.array([[1.0, 2.0, 1.0]]))
    with pytest.raises(ValueError, match="int16 range"):
        stroke3_to_bytes(np.array([[70000, 0, 1]]))


@given(stroke3_arrays(elements=st.floats(-50, 50)), st.integers(0, 4))
@settings(max_examples=60)
def test_float_stroke3_round_trips_through_svg_paths_within_the_printed_precision(
    strokes3, decimals
):
    expected = stroke3_to_polylines(strokes3, origin=(3.5, -2.25))
    paths = stroke3_to_svg_path(strokes3, origin=(3.5, -2.25), decimals=decimals)
    parsed = [line for d in paths for line in svg_path_to_polylines(d)]
    assert [len(line) for line in parsed] == [len(line) for line in expected]
    for got, want in zip(parsed, expected, strict=True):
        assert np.all(np.abs(got - want) <= 0.5 * 10.0**-decimals + 1e-9)


def test_svg_path_is_compact_with_trimmed_decimals():
    strokes3 = np.array([[1.5, 2.0, 0], [0.25, -0.126, 0], [-0.004, 0.0, 1]])
    assert stroke3_to_svg_path(strokes3) == ["M1.5 2l0.25 -0.13 0 0"]
    assert stroke3_to_svg_path(strokes3, decimals=0) == ["M2 2l0 0 0 0"]


def test_svg_path_offsets_come_from_rounded_absolute_points_so_they_do_not_drift():
    strokes3 = np.array([[0.004, 0, 0], [0.004, 0, 0], [0.004, 0, 1]])  # x = .004 .008 .012
    # Rounding each offset would print "l0 0 0 0" and lose the 0.01 the points reach.
    assert stroke3_to_svg_path(strokes3) == ["M0 0l0.01 0 0 0"]


def test_svg_path_parser_follows_absolute_relative_and_implicit_commands():
    lines = svg_path_to_polylines("M1,2 3 4l1 1L0 0m1 1 2,2 M-1.5e1 .5")
    assert [line.tolist() for line in lines] == [
        [[1, 2], [3, 4], [4, 5], [0, 0]],
        [[1, 1], [3, 3]],
        [[-15, 0.5]],
    ]


@pytest.mark.bad_input("malformed stroke data")
@pytest.mark.parametrize(
    ("d", "message"),
    [
        ("M0 0C1 1 2 2 3 3", "unsupported"),
        ("M0 0 l1", "odd number"),
        ("M0 0 1 l2 2", "odd number"),
        ("l1 1", "must start with a moveto"),
        ("M0 0 l1 x", "unsupported"),
    ],
)
def test_svg_path_parser_rejects_what_it_cannot_read(d, message):
    with pytest.raises(ValueError, match=message):
        svg_path_to_polylines(d)


def test_bounds_are_the_extremes_of_the_absolute_points():
    strokes3 = np.array([[10, 20, 0], [-15, 5, 1], [30, -40, 1]])
    assert bounds(strokes3) == (-5.0, -15.0, 25.0, 25.0)
    assert bounds(np.zeros((0, 3))) == (0.0, 0.0, 0.0, 0.0)


def test_bounds_of_real_faces_lie_in_the_quickdraw_pixel_square(quickdraw_faces):
    for face in quickdraw_faces:
        xs = [x for stroke_xs, _ in face["drawing"] for x in stroke_xs]
        ys = [y for _, stroke_ys in face["drawing"] for y in stroke_ys]
        assert bounds(quickdraw_to_stroke3(face["drawing"])) == (
            min(xs),
            min(ys),
            max(xs),
            max(ys),
        )
