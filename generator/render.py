"""Pictures of stroke-3 drawings: standalone SVG, antialiased PNG thumbnails, contact sheets.

Input is stroke-3 ``(N, 3)`` (see :mod:`generator.strokes`); ``scale_factor`` turns it into
pixel units first (78.2 for model output in normalised units, 1.0 for Quick, Draw! pixels).
y grows downward, as in Quick, Draw!, SVG and Pillow, so nothing is flipped.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from generator.strokes import (
    bounds,
    format_number,
    stroke3_to_polylines,
    stroke3_to_svg_path,
    to_pixels,
)

Color = tuple[int, int, int]
_SEPARATOR: Color = (221, 221, 221)
_LABEL_COLOR: Color = (110, 110, 110)


SMALLEST_PICTURE_PX = 48  # non-scaling strokes: caps fit in pictures down to this size


def render_svg(
    strokes3: np.ndarray,
    *,
    scale_factor: float = 1.0,
    stroke_width: float = 2.0,
    padding: float = 4.0,
    color: str = "#222",
    size: int | None = None,
    non_scaling_stroke: bool = False,
) -> str:
    """A compact standalone SVG document of the drawing, in pixel units.

    One ``<path>`` a stroke; style is set once on the root. ``size`` sets square width/height
    attributes (the drawing is centred by the default ``preserveAspectRatio``); without it
    the SVG has only a viewBox and scales to its box. An empty drawing gives a valid SVG with
    no paths.

    ``stroke_width`` is in drawing units, and the viewBox is the bounds of the points grown by
    ``padding + stroke_width / 2``, so round caps never clip. With ``non_scaling_stroke`` it
    is in screen pixels whatever size the picture is shown at (``vector-effect``), so a 56 px
    thumbnail and a full page read alike; the viewBox then grows by half a stroke at
    :data:`SMALLEST_PICTURE_PX` instead.
    """
    pixels = to_pixels(strokes3, scale_factor)
    if not non_scaling_stroke:
        grow = padding + stroke_width / 2
    elif 0 < stroke_width < SMALLEST_PICTURE_PX:
        min_x, min_y, max_x, max_y = bounds(pixels)
        extent = max(max_x - min_x, max_y - min_y)
        # Half a stroke fits in the margin of a picture S = SMALLEST_PICTURE_PX across:
        # grow * S / (extent + 2 * grow) >= stroke_width / 2, with padding on top.
        grow = padding + stroke_width / 2 * extent / (SMALLEST_PICTURE_PX - stroke_width)
    else:
        raise ValueError(
            f"a non-scaling stroke_width must be within (0, {SMALLEST_PICTURE_PX}) px,"
            f" got {stroke_width}"
        )
    sized = f' width="{size}" height="{size}"' if size is not None else ""
    effect = ' vector-effect="non-scaling-stroke"' if non_scaling_stroke else ""
    # vector-effect is not inherited, so each path carries it.
    paths = "".join(f'<path{effect} d="{d}"/>' for d in svg_stroke_paths(pixels))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{svg_view_box(pixels, grow)}"{sized}'
        f' fill="none" stroke="{html.escape(color, quote=True)}"'
        f' stroke-width="{format_number(stroke_width)}" stroke-linecap="round"'
        f' stroke-linejoin="round">{paths}</svg>'
    )


def svg_view_box(pixels: np.ndarray, grow: float) -> str:
    """The viewBox of stroke-3 ``pixels``: their bounds grown by ``grow`` on each side."""
    min_x, min_y, max_x, max_y = bounds(pixels)
    # A zero-sized viewBox disables rendering, so keep at least one unit each way.
    width = max(max_x - min_x + 2 * grow, 1.0)
    height = max(max_y - min_y + 2 * grow, 1.0)
    return " ".join(format_number(v) for v in (min_x - grow, min_y - grow, width, height))


def svg_stroke_paths(pixels: np.ndarray) -> list[str]:
    """Path data of each stroke of stroke-3 ``pixels``, in drawing order.

    A lone moveto paints nothing, so a single-point stroke gets a zero-length lineto: with
    round caps it paints a dot.
    """
    return [d if "l" in d else d + "l0 0" for d in stroke3_to_svg_path(pixels)]


def _fit(polylines: list[np.ndarray], canvas: float, margin: float) -> tuple[float, np.ndarray]:
    """Scale and offset that fit the polylines in a ``canvas`` square, centred, aspect kept."""
    points = np.concatenate(polylines)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = float((high - low).max())
    scale = (canvas - 2 * margin) / extent if extent > 0 else 1.0
    return scale, canvas / 2 - (low + high) / 2 * scale


def render_png(
    strokes3: np.ndarray,
    *,
    scale_factor: float = 1.0,
    size: int = 128,
    line_width: float = 2.0,
    padding: int = 6,
    background: Color = (255, 255, 255),
    color: Color = (34, 34, 34),
) -> Image.Image:
    """A ``size`` x ``size`` RGB thumbnail: the drawing fitted inside ``padding``, centred.

    ``line_width`` and ``padding`` are in output pixels, whatever the drawing's size. The
    picture is fitted, so ``scale_factor`` does not change it; it is accepted so callers can
    pass the same arguments as to :func:`render_svg`. Antialiased by drawing a coverage mask
    at 4x (2x above 256 px, to stay fast) and downsampling with LANCZOS; joints and caps are
    round because every vertex also gets a disc.
    """
    if size < 1 or not 0 <= 2 * padding < size:
        raise ValueError(f"need size >= 1 and 0 <= padding < size / 2, got {size}, {padding}")
    supersample = 4 if size <= 256 else 2
    canvas = size * supersample
    mask = Image.new("L", (canvas, canvas), 0)
    polylines = stroke3_to_polylines(to_pixels(strokes3, scale_factor))
    if polylines:
        width = max(1, round(line_width * supersample))
        radius = width / 2
        # Keep the line's half width inside the padding as well.
        scale, offset = _fit(polylines, canvas, padding * supersample + radius)
        draw = ImageDraw.Draw(mask)
        for line in polylines:
            points = [tuple(point) for point in (line * scale + offset).tolist()]
            if len(points) > 1:
                draw.line(points, fill=255, width=width)
            for x, y in points:
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    mask = mask.resize((size, size), Image.Resampling.LANCZOS)
    image = Image.new("RGB", (size, size), tuple(background))
    image.paste(tuple(color), (0, 0, size, size), mask)
    return image


def png_bytes(image: Image.Image) -> bytes:
    """The image encoded as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def render_grid_png(
    drawings: Sequence[np.ndarray],
    *,
    scale_factor: float = 1.0,
    cell: int = 128,
    columns: int | None = None,
    labels: Sequence[str] | None = None,
) -> Image.Image:
    """A contact sheet: ``cell`` x ``cell`` thumbnails in a near-square grid.

    Cells are separated by 1 px grey lines; ``columns`` defaults to ceil(sqrt(n)). With
    ``labels`` (one a drawing) each cell gets a small caption under its drawing.
    """
    count = len(drawings)
    if count == 0:
        raise ValueError("render_grid_png needs at least one drawing")
    if labels is not None and len(labels) != count:
        raise ValueError(f"got {len(labels)} labels for {count} drawings")
    columns = columns or math.ceil(math.sqrt(count))
    if columns < 1:
        raise ValueError(f"columns must be positive, got {columns}")
    rows = math.ceil(count / columns)
    pitch = cell + 1  # one separator pixel between cells
    sheet = Image.new("RGB", (columns * pitch - 1, rows * pitch - 1), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for column in range(1, columns):
        draw.line([(column * pitch - 1, 0), (column * pitch - 1, sheet.height)], fill=_SEPARATOR)
    for row in range(1, rows):
        draw.line([(0, row * pitch - 1), (sheet.width, row * pitch - 1)], fill=_SEPARATOR)
    font = ImageFont.load_default()
    caption = 0 if labels is None else int(font.getbbox("Ag")[3]) + 4
    for index, strokes3 in enumerate(drawings):
        row, column = divmod(index, columns)
        # Drawn on its own tile so a long caption is clipped at the cell's edge.
        tile = Image.new("RGB", (cell, cell), (255, 255, 255))
        tile.paste(
            render_png(strokes3, scale_factor=scale_factor, size=cell - caption), (caption // 2, 0)
        )
        if labels is not None:
            ImageDraw.Draw(tile).text(
                (4, cell - caption + 1), labels[index], fill=_LABEL_COLOR, font=font
            )
        sheet.paste(tile, (column * pitch, row * pitch))
    return sheet
