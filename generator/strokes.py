"""Stroke formats and the small pure-numpy conversions between them.

Formats (all coordinates are x to the right, y DOWN, as in Quick, Draw! and SVG):

- stroke-5, ``(T, 5)`` float ``[dx, dy, p1, p2, p3]``: the model's format. (dx, dy) is the move
  from the previous point; the pen state is one-hot: p1 = pen stays down after this point,
  p2 = pen lifts after it, p3 = the drawing has ended (this row and all after it carry no
  point). The start token fed to the decoder is ``S0 = [0, 0, 1, 0, 0]``.
- stroke-3, ``(N, 3)`` ``[dx, dy, p]``: the storage format. p = 1 on the last point of each
  stroke (pen lifts after it), else 0. The first delta is measured from the origin (0, 0), so
  row 0 holds the absolute start position. A trailing stroke without p = 1 is read as if
  the pen lifted at the end.
- absolute polylines: a list of ``(k, 2)`` float arrays of positions, one per stroke.
- Quick, Draw! ndjson ``drawing``: a list of strokes ``[[x0, x1, ...], [y0, y1, ...]]`` of
  integer pixels (0-255 in the "simplified" dataset).
- SVG path data: one ``d`` string a stroke, ``"M x y l dx dy dx dy ..."``.

Units: the model works in normalised units; pixel = normalised * scale_factor (78.2 for the
pretrained face model, from its ``info.scale_factor``). ``to_pixels``/``to_normalised`` scale
dx and dy only. Unless a docstring says otherwise a function works in whatever units it is
given. Float input keeps its float dtype; integer input comes back as float64.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from generator.packing import pack_stroke3, unpack_stroke3

START_TOKEN = np.array([0.0, 0.0, 1.0, 0.0, 0.0])
END_ROW = np.array([0.0, 0.0, 0.0, 0.0, 1.0])
_INT16_MIN, _INT16_MAX = -32768, 32767


def _check_numeric(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{what} must hold real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{what} holds NaN or infinite values")


def _as_rows(data: object, width: int, what: str) -> np.ndarray:
    """``data`` as an ``(N, width)`` real array; an empty 1-d input (``[]``) means no rows."""
    arr = np.asarray(data)
    if arr.ndim == 1 and arr.size == 0:
        return np.zeros((0, width))
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(f"{what} must have shape (N, {width}), got {arr.shape}")
    _check_numeric(arr, what)
    return arr


def _as_stroke3(strokes3: object) -> np.ndarray:
    arr = _as_rows(strokes3, 3, "stroke-3")
    if not np.isin(arr[:, 2], (0, 1)).all():
        raise ValueError("stroke-3 pen column (index 2) must hold only 0 or 1")
    return arr


def _float_dtype(arr: np.ndarray) -> np.dtype:
    return arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)


def stroke5_to_stroke3(strokes5: np.ndarray, *, start_token: bool | None = None) -> np.ndarray:
    """Stroke-5 ``(T, 5)`` to stroke-3 ``(N, 3)``, p = p2 (Magenta's ``to_normal_strokes``).

    Reads up to, not including, the first end row (p3 = 1). ``start_token=None`` drops a
    leading row equal to S0; since a drawing may itself begin with a pen-down zero move at
    the origin, which looks the same, pass ``False`` (never drop) or ``True`` (row 0 must be
    S0) when you know.
    """
    arr = _as_rows(strokes5, 5, "stroke-5")
    if not (np.isin(arr[:, 2:], (0, 1)).all() and (arr[:, 2:].sum(axis=1) == 1).all()):
        raise ValueError("stroke-5 pen state (columns 2-4) must be one-hot in every row")
    has_start = len(arr) > 0 and bool(np.array_equal(arr[0], START_TOKEN))
    if start_token and not has_start:
        raise ValueError("stroke-5 row 0 is not the start token [0, 0, 1, 0, 0]")
    if has_start and start_token is not False:
        arr = arr[1:]
    ends = np.flatnonzero(arr[:, 4] == 1)
    if ends.size:
        arr = arr[: ends[0]]
    out = np.empty((len(arr), 3), dtype=_float_dtype(arr))
    out[:, :2] = arr[:, :2]
    out[:, 2] = arr[:, 3]
    return out


def stroke3_to_stroke5(strokes3: np.ndarray, max_len: int | None = None) -> np.ndarray:
    """Stroke-3 ``(N, 3)`` to stroke-5, with no start token (the sampler adds S0).

    Without ``max_len`` the result is ``(N + 1, 5)``: the points, then one end row
    ``[0, 0, 0, 0, 1]``. With ``max_len`` it is ``(max_len, 5)``, padded with end rows as in
    Magenta's ``to_big_strokes``; as there, N == max_len leaves no room for an end row, and
    N > max_len raises ValueError.
    """
    arr = _as_stroke3(strokes3)
    n = len(arr)
    if max_len is not None and not 0 <= n <= max_len:
        raise ValueError(f"drawing has {n} points, more than max_len={max_len}")
    out = np.zeros((n + 1 if max_len is None else max_len, 5), dtype=_float_dtype(arr))
    out[:n, :2] = arr[:, :2]
    out[:n, 3] = arr[:, 2]
    out[:n, 2] = 1 - arr[:, 2]
    out[n:, 4] = 1
    return out


def stroke3_to_polylines(
    strokes3: np.ndarray, origin: tuple[float, float] = (0.0, 0.0)
) -> list[np.ndarray]:
    """Stroke-3 to absolute float64 positions ``origin + cumsum(dx, dy)``, ``(k, 2)`` a stroke."""
    arr = _as_stroke3(strokes3)
    positions = np.cumsum(arr[:, :2].astype(np.float64), axis=0) + np.asarray(origin, float)
    pieces = np.split(positions, np.flatnonzero(arr[:, 2] == 1) + 1)
    return [piece for piece in pieces if len(piece)]


def _as_polyline(points: object, index: int) -> np.ndarray:
    return _as_rows(points, 2, f"polyline {index}").astype(np.float64)


def polylines_to_stroke3(polylines: Sequence[np.ndarray]) -> np.ndarray:
    """Absolute ``(k, 2)`` polylines to float64 stroke-3; the first delta is from (0, 0).

    Every polyline ends with p = 1; empty polylines draw nothing and are skipped.
    """
    lines = [_as_polyline(line, i) for i, line in enumerate(polylines)]
    lines = [line for line in lines if len(line)]
    if not lines:
        return np.zeros((0, 3))
    points = np.concatenate(lines)
    out = np.zeros((len(points), 3))
    out[:, :2] = np.diff(points, axis=0, prepend=np.zeros((1, 2)))
    out[np.cumsum([len(line) for line in lines]) - 1, 2] = 1
    return out


def quickdraw_to_polylines(drawing: list) -> list[np.ndarray]:
    """Quick, Draw! ``drawing`` (strokes of ``[xs, ys]``) to ``(k, 2)`` float64 polylines."""
    polylines = []
    for i, stroke in enumerate(drawing):
        if len(stroke) != 2:
            raise ValueError(f"quickdraw stroke {i} must be [xs, ys], got {len(stroke)} lists")
        xs, ys = (np.asarray(values) for values in stroke)
        if xs.ndim != 1 or ys.ndim != 1 or len(xs) != len(ys):
            raise ValueError(
                f"quickdraw stroke {i} is ragged: xs has shape {xs.shape}, ys {ys.shape}"
            )
        line = np.stack([xs, ys], axis=1) if len(xs) else np.zeros((0, 2))
        polylines.append(_as_polyline(line, i))
    return polylines


def polylines_to_quickdraw(polylines: Sequence[np.ndarray]) -> list[list[list[int]]]:
    """Polylines to a Quick, Draw! ``drawing``, positions rounded to the nearest int pixel."""
    drawing = []
    for i, line in enumerate(polylines):
        ints = np.rint(_as_polyline(line, i)).astype(np.int64)
        drawing.append([ints[:, 0].tolist(), ints[:, 1].tolist()])
    return drawing


def quickdraw_to_stroke3(drawing: list) -> np.ndarray:
    """Quick, Draw! ``drawing`` to float64 stroke-3 in pixel units."""
    return polylines_to_stroke3(quickdraw_to_polylines(drawing))


def stroke3_to_quickdraw(strokes3: np.ndarray) -> list[list[list[int]]]:
    """Stroke-3 in pixel units to a Quick, Draw! ``drawing`` (absolute positions rounded)."""
    return polylines_to_quickdraw(stroke3_to_polylines(strokes3))


def _scaled(strokes3: np.ndarray, factor: float) -> np.ndarray:
    arr = _as_stroke3(strokes3)
    out = arr.astype(_float_dtype(arr))  # astype copies: the caller's array is left alone
    out[:, :2] *= factor
    return out


def _check_scale(scale_factor: float) -> float:
    if not (np.isfinite(scale_factor) and scale_factor > 0):
        raise ValueError(f"scale_factor must be a positive number, got {scale_factor!r}")
    return float(scale_factor)


def to_normalised(strokes3: np.ndarray, scale_factor: float) -> np.ndarray:
    """Stroke-3 in pixels to normalised (model) units: dx, dy divided by ``scale_factor``."""
    return _scaled(strokes3, 1.0 / _check_scale(scale_factor))


def to_pixels(strokes3: np.ndarray, scale_factor: float) -> np.ndarray:
    """Stroke-3 in normalised (model) units to pixels: dx, dy times ``scale_factor``."""
    return _scaled(strokes3, _check_scale(scale_factor))


def stroke3_to_int16(strokes3_pixels: np.ndarray) -> np.ndarray:
    """Pixel stroke-3 to ``(N, 3)`` int16 for compact storage (Magenta's ``clean_strokes`` idea).

    Rounds the ABSOLUTE positions and then takes differences, so rounding never accumulates:
    every reconstructed point is within 0.5 px of the original. Raises ValueError when a
    position or delta does not fit in int16.
    """
    arr = _as_stroke3(strokes3_pixels)
    positions = np.rint(np.cumsum(arr[:, :2].astype(np.float64), axis=0))
    deltas = np.diff(positions, axis=0, prepend=np.zeros((1, 2)))
    for what, values in (("absolute position", positions), ("delta", deltas)):
        if values.size and (values.min() < _INT16_MIN or values.max() > _INT16_MAX):
            raise ValueError(f"a rounded {what} is outside the int16 range; scale down first")
    out = np.empty((len(arr), 3), dtype=np.int16)
    out[:, :2] = deltas
    out[:, 2] = arr[:, 2]
    return out


def stroke3_to_bytes(strokes3_int16: np.ndarray) -> bytes:
    """Integer stroke-3 to compact bytes (generator.packing, about 2.5 bytes a point)."""
    return pack_stroke3(_as_stroke3(strokes3_int16))


def stroke3_from_bytes(data: bytes) -> np.ndarray:
    """Bytes from :func:`stroke3_to_bytes` back to ``(N, 3)`` int16 stroke-3."""
    return unpack_stroke3(bytes(data))


def format_number(value: float, decimals: int = 2) -> str:
    """``value`` with at most ``decimals`` decimals, trailing zeros and "-0" trimmed."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def stroke3_to_svg_path(
    strokes3: np.ndarray, origin: tuple[float, float] = (0.0, 0.0), *, decimals: int = 2
) -> list[str]:
    """One SVG path ``d`` a stroke: ``"Mx ylDx Dy ..."``, in the units given, y down.

    Absolute positions are rounded to ``decimals`` before the relative ``l`` offsets are
    taken, so a parsed point is never more than half a unit in the last decimal off. A
    single-point stroke is a bare ``"Mx y"`` (draws nothing alone; ``render_svg`` adds a dot).
    """
    paths = []
    for line in stroke3_to_polylines(strokes3, origin):
        rounded = np.round(line, decimals)
        d = "M" + " ".join(format_number(v, decimals) for v in rounded[0].tolist())
        if len(rounded) > 1:
            offsets = np.diff(rounded, axis=0).ravel().tolist()
            d += "l" + " ".join(format_number(v, decimals) for v in offsets)
        paths.append(d)
    return paths


_PATH_TOKEN = re.compile(
    r"(?P<cmd>[A-Za-z])|(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<bad>[^\s,])"
)


def svg_path_to_polylines(d: str) -> list[np.ndarray]:
    """Parse SVG path data made of M/m/L/l (what ``stroke3_to_svg_path`` emits) to polylines.

    Each moveto starts a new ``(k, 2)`` float64 polyline; coordinate pairs after a moveto
    are implicit linetos, as in the SVG spec.
    """
    polylines: list[list[tuple[float, float]]] = []
    x = y = 0.0
    command: str | None = None
    pending: list[float] = []
    for match in _PATH_TOKEN.finditer(d):
        if match["bad"] or (match["cmd"] and match["cmd"] not in "MmLl"):
            raise ValueError(f"unsupported SVG path data {match[0]!r} at {match.start()}")
        if match["cmd"]:
            if pending:
                raise ValueError(f"odd number of coordinates before {match.start()}")
            command = match["cmd"]
            continue
        if command is None or (not polylines and command not in "Mm"):
            raise ValueError("SVG path data must start with a moveto (M or m)")
        pending.append(float(match["num"]))
        if len(pending) < 2:
            continue
        relative = command.islower()
        x, y = (x + pending[0], y + pending[1]) if relative else (pending[0], pending[1])
        pending = []
        if command in "Mm":
            polylines.append([])
            command = "l" if relative else "L"
        polylines[-1].append((x, y))
    if pending:
        raise ValueError("odd number of coordinates at the end of the SVG path data")
    return [np.array(points, dtype=np.float64) for points in polylines]


def bounds(strokes3: np.ndarray) -> tuple[float, float, float, float]:
    """``(min_x, min_y, max_x, max_y)`` of the absolute points; (0, 0, 0, 0) when empty."""
    arr = _as_stroke3(strokes3)
    if not len(arr):
        return (0.0, 0.0, 0.0, 0.0)
    positions = np.cumsum(arr[:, :2].astype(np.float64), axis=0)
    (min_x, min_y), (max_x, max_y) = positions.min(axis=0), positions.max(axis=0)
    return (float(min_x), float(min_y), float(max_x), float(max_y))
