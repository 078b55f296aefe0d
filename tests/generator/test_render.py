"""Rendering: SVG structure and extent, PNG thumbnails and contact sheets of real faces."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from generator.render import (
    SMALLEST_PICTURE_PX,
    png_bytes,
    render_grid_png,
    render_png,
    render_svg,
)
from generator.strokes import quickdraw_to_stroke3, svg_path_to_polylines, to_normalised

SVG = "{http://www.w3.org/2000/svg}"
FACE_SCALE = 78.2
WHITE = (255, 255, 255)


@pytest.fixture(scope="module")
def faces(quickdraw_faces) -> list[np.ndarray]:
    """The 25 real faces as stroke-3 in Quick, Draw! pixels."""
    return [quickdraw_to_stroke3(face["drawing"]) for face in quickdraw_faces]


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    return x, y, width, height


def ink(image: Image.Image) -> np.ndarray:
    """(H, W) bool: pixels clearly darker than the white background."""
    return np.asarray(image.convert("L")) < 200


def test_render_svg_of_real_faces_parses_with_one_round_unfilled_path_per_stroke(
    faces, quickdraw_faces
):
    for strokes3, face in zip(faces, quickdraw_faces, strict=True):
        root = ET.fromstring(render_svg(strokes3))
        assert root.tag == f"{SVG}svg"
        assert len(root.findall(f"{SVG}path")) == len(face["drawing"])
        assert root.attrib["fill"] == "none"
        assert root.attrib["stroke-linecap"] == root.attrib["stroke-linejoin"] == "round"


def test_render_svg_viewbox_encloses_every_point_with_padding(faces):
    for strokes3 in faces:
        root = ET.fromstring(render_svg(strokes3, padding=4, stroke_width=2))
        x, y, width, height = view_box(root)
        for path in root.findall(f"{SVG}path"):
            for points in svg_path_to_polylines(path.attrib["d"]):
                assert np.all(points >= (x + 5, y + 5))  # padding + half the stroke width
                assert np.all(points <= (x + width - 5, y + height - 5))


def test_render_svg_paths_reproduce_the_face_in_pixel_units(faces, quickdraw_faces):
    root = ET.fromstring(render_svg(to_normalised(faces[0], FACE_SCALE), scale_factor=FACE_SCALE))
    parsed = [
        line for p in root.findall(f"{SVG}path") for line in svg_path_to_polylines(p.attrib["d"])
    ]
    for line, (xs, ys) in zip(parsed, quickdraw_faces[0]["drawing"], strict=True):
        if len(xs) == 1:
            line = line[:1]  # the dot's zero-length segment
        np.testing.assert_allclose(line, np.column_stack([xs, ys]), atol=0.005)


def test_render_svg_with_non_scaling_strokes_keeps_the_width_in_screen_pixels(faces):
    root = ET.fromstring(render_svg(faces[0], stroke_width=2, non_scaling_stroke=True))
    paths = root.findall(f"{SVG}path")
    assert root.attrib["stroke-width"] == "2" and len(paths) == int(faces[0][:, 2].sum())
    # Not inherited from the root: every path needs its own.
    assert all(path.attrib["vector-effect"] == "non-scaling-stroke" for path in paths)
    assert "vector-effect" not in render_svg(faces[0])


def test_render_svg_non_scaling_caps_fit_inside_the_smallest_picture(faces):
    for strokes3 in faces:
        root = ET.fromstring(render_svg(strokes3, stroke_width=3, non_scaling_stroke=True))
        x, y, width, height = view_box(root)
        px_per_unit = SMALLEST_PICTURE_PX / max(width, height)  # the whole viewBox is shown
        for path in root.findall(f"{SVG}path"):
            for points in svg_path_to_polylines(path.attrib["d"]):
                assert np.all((points - (x, y)) * px_per_unit >= 1.5)  # half the stroke
                assert np.all(((x + width, y + height) - points) * px_per_unit >= 1.5)


def test_render_svg_rejects_a_non_scaling_stroke_wider_than_the_smallest_picture():
    with pytest.raises(ValueError, match="non-scaling stroke_width"):
        render_svg(np.array([[1.0, 1.0, 1.0]]), stroke_width=60, non_scaling_stroke=True)


def test_render_svg_sets_width_and_height_only_when_a_size_is_given(faces):
    responsive = ET.fromstring(render_svg(faces[0]))
    assert "width" not in responsive.attrib and "height" not in responsive.attrib
    sized = ET.fromstring(render_svg(faces[0], size=96))
    assert sized.attrib["width"] == sized.attrib["height"] == "96"
    assert sized.attrib["viewBox"] == responsive.attrib["viewBox"]


def test_render_svg_of_an_empty_drawing_is_valid_with_no_paths():
    root = ET.fromstring(render_svg(np.zeros((0, 3))))
    assert root.findall(f"{SVG}path") == []
    assert all(v > 0 for v in view_box(root)[2:])


def test_render_svg_draws_a_single_point_stroke_as_a_dot():
    root = ET.fromstring(render_svg(np.array([[10.0, 20.0, 1.0]]), padding=0, stroke_width=2))
    assert [p.attrib["d"] for p in root.findall(f"{SVG}path")] == ["M10 20l0 0"]
    assert view_box(root) == (9.0, 19.0, 2.0, 2.0)


def test_render_svg_escapes_the_color_attribute():
    svg = render_svg(np.array([[1.0, 1.0, 1.0]]), color='red" onload="alert(1)')
    assert ET.fromstring(svg).attrib["stroke"] == 'red" onload="alert(1)'
    assert "onload" not in ET.fromstring(svg).attrib


def test_render_svg_is_compact(faces):
    svg = render_svg(faces[0])
    assert ".0 " not in svg and "\n" not in svg
    assert len(svg) < 12 * sum(len(f) for f in faces[:1]) + 400


def test_render_png_of_every_real_face_has_ink_inside_the_padding(faces):
    for strokes3 in faces:
        image = render_png(strokes3, size=128, padding=6)
        assert image.size == (128, 128) and image.mode == "RGB"
        mask = ink(image)
        assert mask.sum() > 200  # a face outline, not a speck
        rows, cols = np.nonzero(mask)
        assert rows.min() >= 5 and cols.min() >= 5 and rows.max() <= 122 and cols.max() <= 122


def test_render_png_fits_the_longer_side_and_centres_the_drawing():
    wide = np.array([[0.0, 0.0, 0.0], [300.0, 100.0, 1.0]])  # a diagonal 3:1 line
    mask = ink(render_png(wide, size=100, padding=10, line_width=2))
    rows, cols = np.nonzero(mask)
    assert 8 <= cols.min() <= 12 and 87 <= cols.max() <= 91  # spans the padded width
    assert abs((rows.min() + rows.max()) / 2 - 49.5) <= 1.5  # vertically centred
    assert 20 <= rows.max() - rows.min() <= 32  # about a third as tall: aspect kept


def test_render_png_keeps_y_downward_and_x_rightward():
    # A bar along the top edge and a dot at the bottom left, in y-down pixel units.
    strokes3 = np.array([[0.0, 0.0, 0.0], [100.0, 0.0, 1.0], [-100.0, 100.0, 1.0]])
    mask = ink(render_png(strokes3, size=64, padding=4))
    assert mask[:16, :].any(axis=0).sum() > 40  # the bar lies across the top
    assert mask[48:, :16].any() and not mask[48:, 32:].any()  # the dot is bottom left


def test_render_png_is_antialiased_and_uses_the_given_colours(faces):
    image = render_png(faces[0], background=(0, 0, 80), color=(250, 200, 0))
    pixels = np.asarray(image).reshape(-1, 3)
    colours = {tuple(p) for p in pixels.tolist()}
    assert (0, 0, 80) in colours and (250, 200, 0) in colours
    assert len(colours) > 10  # blended edge pixels between the two


def test_render_png_of_an_empty_drawing_is_blank_background():
    image = render_png(np.zeros((0, 3)), size=32, background=(1, 2, 3))
    assert (np.asarray(image) == (1, 2, 3)).all()


def test_render_png_draws_a_single_point_as_a_dot():
    mask = ink(render_png(np.array([[5.0, 5.0, 1.0]]), size=32, line_width=4))
    rows, cols = np.nonzero(mask)
    assert 4 <= mask.sum() <= 30 and abs(rows.mean() - 15.5) < 1 and abs(cols.mean() - 15.5) < 1


def test_render_png_caps_are_round_not_square():
    mask = ink(render_png(np.array([[5.0, 5.0, 1.0]]), size=64, line_width=20))
    rows, cols = np.nonzero(mask)
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    assert bottom - top >= 16 and mask[(top + bottom) // 2, (left + right) // 2]
    corners = mask[[top, top, bottom, bottom], [left, right, left, right]]
    assert not corners.any()  # a disc leaves the corners of its bounding box empty


def test_render_png_ignores_scale_factor_because_it_fits_the_drawing(faces):
    normalised = to_normalised(faces[3], FACE_SCALE)
    fitted = np.asarray(render_png(normalised, scale_factor=FACE_SCALE), dtype=int)
    assert np.abs(fitted - np.asarray(render_png(faces[3]), dtype=int)).max() <= 2


def test_render_png_rejects_padding_that_leaves_no_room():
    with pytest.raises(ValueError, match="padding"):
        render_png(np.array([[1.0, 1.0, 1.0]]), size=20, padding=10)


def test_png_bytes_reopen_as_the_same_image(faces):
    image = render_png(faces[0])
    data = png_bytes(image)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    reopened = Image.open(io.BytesIO(data))
    np.testing.assert_array_equal(np.asarray(reopened), np.asarray(image))


def test_render_grid_png_lays_out_25_real_faces_five_by_five_with_separators(faces):
    grid = render_grid_png(faces, cell=64)
    assert grid.size == (5 * 64 + 4, 5 * 64 + 4)
    pixels = np.asarray(grid)
    separator = pixels[:, 64]
    assert (separator == separator[0]).all() and tuple(separator[0]) != WHITE
    for index in range(25):
        row, column = divmod(index, 5)
        cell = grid.crop((column * 65, row * 65, column * 65 + 64, row * 65 + 64))
        assert ink(cell).sum() > 50, f"cell {index} is blank"


def test_render_grid_png_honours_columns_and_leaves_unused_cells_white(faces):
    grid = render_grid_png(faces[:5], cell=32, columns=2)
    assert grid.size == (2 * 33 - 1, 3 * 33 - 1)
    assert (np.asarray(grid.crop((33, 66, 65, 98))) == WHITE).all()


def test_render_grid_png_writes_labels_under_each_drawing(faces):
    plain = np.asarray(render_grid_png(faces[:4], cell=96))
    labelled = np.asarray(render_grid_png(faces[:4], cell=96, labels=["a1", "b2", "c3", "d4"]))
    assert plain.shape == labelled.shape
    caption_band = labelled[80:96, :96] != plain[80:96, :96]
    assert caption_band.any()


def test_render_grid_png_rejects_no_drawings_and_mismatched_labels(faces):
    with pytest.raises(ValueError, match="at least one drawing"):
        render_grid_png([])
    with pytest.raises(ValueError, match="2 labels for 3 drawings"):
        render_grid_png(faces[:3], labels=["a", "b"])
