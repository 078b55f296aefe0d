"""SVG pictures of faces for the pages and the API (stroke-3 bytes → markup).

A face's strokes never change, so its thumbnail markup is memoised per process by face
id: the gallery renders 24 of them a page and most requests hit the memo.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from generator.render import render_svg
from generator.strokes import bounds, format_number, stroke3_from_bytes, stroke3_to_polylines

THUMBNAIL_STROKE = 3.0  # Quick, Draw! pixels; drawings are ~256 px wide, tiles ~200 px
DRAW_SPEED = 450.0  # px/s of pen travel in the live drawing: about 2-4 s a face
PEN_LIFT = 0.08  # s between strokes, so separate strokes read as separate gestures
_MEMO_SIZE = 20_000  # ~2 KB each: ~40 MB a worker at most

_memo: dict[int, str] = {}
_memo_lock = threading.Lock()


def face_strokes3(face) -> np.ndarray:
    """The face's stroke-3 (N, 3) int16 in Quick, Draw! pixels."""
    return stroke3_from_bytes(bytes(face.strokes))


def face_svg(face, *, color: str = "currentColor") -> str:
    """A standalone SVG of the face that scales to its box (memoised for currentColor)."""
    if color != "currentColor":
        return render_svg(face_strokes3(face), stroke_width=THUMBNAIL_STROKE, color=color)
    svg = _memo.get(face.pk)
    if svg is None:
        svg = render_svg(face_strokes3(face), stroke_width=THUMBNAIL_STROKE, color=color)
        with _memo_lock:
            if len(_memo) >= _MEMO_SIZE:
                _memo.clear()  # cheap and rare; a full LRU is not worth its bookkeeping here
            _memo[face.pk] = svg
    return svg


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

    Durations follow each stroke's pen travel, so the face is drawn at a steady pen speed,
    stroke by stroke, in the order the model drew it.
    """
    strokes3 = face_strokes3(face)
    min_x, min_y, max_x, max_y = bounds(strokes3)
    grow = 4.0 + THUMBNAIL_STROKE / 2
    width, height = max(max_x - min_x + 2 * grow, 1.0), max(max_y - min_y + 2 * grow, 1.0)
    view_box = " ".join(format_number(v) for v in (min_x - grow, min_y - grow, width, height))
    strokes, clock = [], 0.0
    for line in stroke3_to_polylines(strokes3):
        length = float(np.linalg.norm(np.diff(line, axis=0), axis=1).sum()) if len(line) > 1 else 0
        duration = max(length / DRAW_SPEED, 0.05)
        d = "M" + " ".join(format_number(v) for v in line[0].tolist())
        offsets = np.diff(line, axis=0).ravel().tolist()
        d += "l" + " ".join(format_number(v) for v in offsets) if offsets else "l0 0"
        strokes.append(AnimatedStroke(d, f"{clock:.2f}", f"{duration:.2f}"))
        clock += duration + PEN_LIFT
    return AnimatedDrawing(view_box, strokes, math.ceil(clock * 10) / 10)
