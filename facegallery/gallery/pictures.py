"""SVG pictures of faces for the pages, the API and the admin (stroke-3 bytes → markup).

Every still picture of a face comes from :func:`face_svg`, at any size: a 56 px admin row, a
200 px gallery tile, the downloaded file. Its strokes are :data:`FACE_STROKE_PX` screen
pixels wide whatever the size (non-scaling strokes), so a thumbnail reads like the full
picture, neither hairline nor blot. The live drawing (:func:`face_animation`) is the one
exception: templates/gallery/_drawing.html draws it in drawing units. Link previews get a PNG
(:func:`face_share_png`), the one format their crawlers all read.

A face's strokes never change, so the markup is memoised per process: the gallery renders
24 faces a page and most requests hit the memo.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

from generator.packing import CorruptStrokes
from generator.render import png_bytes, render_png, render_svg, svg_stroke_paths, svg_view_box
from generator.strokes import stroke3_from_bytes, stroke3_to_polylines

FACE_STROKE_PX = 2.0  # screen pixels, at every size a still picture is shown
LIVE_STROKE = 3.0  # drawing units: stroke-width of the live drawing (gallery/_drawing.html)
PADDING = 4.0  # drawing units around the strokes, for the pictures and the live drawing
# The live drawing's pen moves DRAW_SPEED times the drawing's own size a second. Faces are
# 500-1,100 px across, and their pen travels 3.7-6 times that (4.8 median, 5 strokes): about
# 1.5 s a face, whatever its size, so a visitor judges a finished face, not half of one.
DRAW_SPEED = 3.8  # drawing sizes (the larger side of the bounds) a second
PEN_LIFT = 0.04  # s between strokes, so separate strokes read as separate gestures
MIN_STROKE_SECONDS = 0.03  # a dot (a one-point stroke) still takes its turn
MAX_DRAW_SECONDS = 2.0  # the rare long scribble is sped up to end by then
_MEMO_SIZE = 20_000  # ~2 KB each: ~50 MB a worker at most

logger = logging.getLogger(__name__)


def face_strokes3(face) -> np.ndarray:
    """The face's stroke-3 (N, 3) int16 in Quick, Draw! pixels."""
    return stroke3_from_bytes(bytes(face.strokes))


def face_svg(face, *, color: str = "currentColor", size: int | None = None) -> str:
    """A standalone SVG of the face: ``size`` px square, or scaling to its box without it.

    Raises :class:`generator.packing.CorruptStrokes` (a ValueError) when the stored strokes
    do not decode.
    """
    return _svg(bytes(face.strokes), color, size)


# What a list (a gallery tile, the live strip) shows for a face whose stored strokes do not
# decode, instead of failing the whole page: a dashed empty frame, labelled for screen readers.
BROKEN_DRAWING_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" role="img" '
    'aria-label="This drawing cannot be shown"><rect x="4" y="4" width="92" height="92" '
    'fill="none" stroke="currentColor" stroke-dasharray="6 6" opacity="0.4"/></svg>'
)


def face_svg_or_broken(face, *, color: str = "currentColor", size: int | None = None) -> str:
    """:func:`face_svg`, or :data:`BROKEN_DRAWING_SVG` (logged) when its strokes are corrupt."""
    try:
        return face_svg(face, color=color, size=size)
    except CorruptStrokes as error:
        logger.error("face %s has corrupt strokes: %s", face.pk, error)
        return BROKEN_DRAWING_SVG


@lru_cache(maxsize=_MEMO_SIZE)
def _svg(strokes: bytes, color: str, size: int | None) -> str:
    # Keyed by the bytes rather than the face's id, so the memo stays right even for an id
    # that is used again (a restored backup, a test database).
    return render_svg(
        stroke3_from_bytes(strokes),
        stroke_width=FACE_STROKE_PX,
        padding=PADDING,
        color=color,
        size=size,
        non_scaling_stroke=True,
    )


@dataclass(frozen=True)
class AnimatedStroke:
    d: str
    delay: str  # seconds, formatted
    duration: str


@dataclass(frozen=True)
class AnimatedDrawing:
    view_box: str
    strokes: list[AnimatedStroke]
    total_seconds: float


def face_animation(face) -> AnimatedDrawing:
    """Per-stroke path data with start times and durations for the live drawing.

    The face is drawn stroke by stroke, in the order the model drew it, at a steady pen speed
    relative to its own size (:func:`stroke_timings`).
    """
    strokes3 = face_strokes3(face)
    view_box = svg_view_box(strokes3, PADDING + LIVE_STROKE / 2)  # round caps never clip
    paths = svg_stroke_paths(strokes3)
    timings = stroke_timings(stroke3_to_polylines(strokes3))
    strokes = [
        AnimatedStroke(d, f"{start:.2f}", f"{duration:.2f}")
        for d, (start, duration) in zip(paths, timings, strict=True)
    ]
    end = timings[-1][0] + timings[-1][1] if timings else 0.0
    return AnimatedDrawing(view_box, strokes, math.ceil(end * 10) / 10)


def stroke_timings(polylines: list[np.ndarray]) -> list[tuple[float, float]]:
    """(start, duration) in seconds of each stroke (an (n, 2) polyline) of the live drawing.

    The pen travels :data:`DRAW_SPEED` times the drawing's size a second, the size being the
    larger side of the bounds of all its points, so the units do not matter and a face
    takes about 1.5 s however large it is; strokes are :data:`PEN_LIFT` apart. A drawing
    that would take longer than :data:`MAX_DRAW_SECONDS` is sped up to end then.
    """
    if not polylines:
        return []
    points = np.concatenate(polylines)
    size = float((points.max(axis=0) - points.min(axis=0)).max()) or 1.0  # 0: dots only
    lengths = [float(np.linalg.norm(np.diff(line, axis=0), axis=1).sum()) for line in polylines]
    durations = [max(length / (DRAW_SPEED * size), MIN_STROKE_SECONDS) for length in lengths]
    total = sum(durations) + PEN_LIFT * (len(durations) - 1)
    squeeze = min(1.0, MAX_DRAW_SECONDS / total)
    timings, clock = [], 0.0
    for duration in durations:
        timings.append((clock * squeeze, duration * squeeze))
        clock += duration + PEN_LIFT
    return timings


# --- The link-preview picture ---------------------------------------------------------------

SHARE_WIDTH, SHARE_HEIGHT = 1200, 630  # Open Graph's recommended 1.91:1 (summary_large_image)
SHARE_LINE_PX = 5.0  # previews are shown at a third to half this size: ~2 px strokes there
SHARE_PADDING_PX = 48


def face_share_png(face) -> bytes:
    """A SHARE_WIDTH x SHARE_HEIGHT PNG of the face, dark on white, centred: the picture a
    link preview (og:image) shows. Raises CorruptStrokes as :func:`face_svg` does."""
    return _share_png(bytes(face.strokes))


@lru_cache(maxsize=64)  # ~40 KB each; crawlers ask for the same few faces in bursts
def _share_png(strokes: bytes) -> bytes:
    square = render_png(
        stroke3_from_bytes(strokes),
        size=SHARE_HEIGHT,
        line_width=SHARE_LINE_PX,
        padding=SHARE_PADDING_PX,
    )
    canvas = Image.new("RGB", (SHARE_WIDTH, SHARE_HEIGHT), (255, 255, 255))
    canvas.paste(square, ((SHARE_WIDTH - SHARE_HEIGHT) // 2, 0))
    return png_bytes(canvas)
