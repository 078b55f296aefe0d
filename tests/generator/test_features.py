"""generator.features: statistics on hand-made drawings with known answers, batching."""

from __future__ import annotations

import numpy as np
import pytest

from generator.features import (
    NLL_NAMES,
    RASTER_SIZE,
    STAT_NAMES,
    drawing_stats,
    featurize,
    nll_stats,
    raster,
)
from generator.likelihood import DrawingNLL

COL = {name: k for k, name in enumerate(STAT_NAMES)}


def polygon(points: list[tuple[float, float]], close: bool = True) -> np.ndarray:
    """Stroke-3 of one stroke through absolute `points` (closed back to the start)."""
    pts = np.array(points + ([points[0]] if close else []), float)
    deltas = np.diff(np.vstack([[0.0, 0.0], pts]), axis=0)
    pen = np.zeros(len(pts))
    pen[-1] = 1
    return np.column_stack([deltas, pen])


def circle(cx: float, cy: float, r: float, n: int = 24) -> list[tuple[float, float]]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return list(zip(cx + r * np.cos(t), cy + r * np.sin(t), strict=True))


def test_a_square_has_its_perimeter_as_ink_and_one_closed_stroke():
    square = polygon([(0, 0), (2, 0), (2, 2), (0, 2)])
    stats = drawing_stats([square])[0]
    assert stats[COL["num_strokes"]] == 1 and stats[COL["num_points"]] == 5
    assert stats[COL["ink"]] == pytest.approx(8.0)
    assert stats[COL["width"]] == pytest.approx(2.0) and stats[COL["height"]] == pytest.approx(2)
    assert stats[COL["closed_share"]] == 1.0
    assert stats[COL["max_circularity"]] == pytest.approx(np.pi / 4, rel=1e-4)  # 4*pi*4/64
    assert stats[COL["mean_turn"]] == pytest.approx(np.pi / 2)


def test_round_strokes_count_circles_not_lines():
    face = np.vstack([
        polygon(circle(0, 0, 5)), polygon(circle(-2, -1, 0.7)), polygon(circle(2, -1, 0.7)),
        polygon([(-2, 2), (2, 2)], close=False),
    ])  # fmt: skip
    stats = drawing_stats([face])[0]
    assert stats[COL["num_strokes"]] == 4
    assert stats[COL["round_strokes"]] == 3
    assert stats[COL["jump"]] > 0


def test_a_mirror_symmetric_drawing_has_no_asymmetry_and_a_lopsided_one_has_some():
    symmetric = polygon([(-1, 0), (1, 0), (1, 2), (-1, 2)])
    lopsided = np.vstack([symmetric, polygon(circle(0.7, 0.5, 0.2))])
    stats = drawing_stats([symmetric, lopsided])
    assert stats[0, COL["asymmetry"]] == pytest.approx(0.0)
    assert stats[1, COL["asymmetry"]] > 0.1


def test_a_batch_gives_the_same_rows_as_one_drawing_at_a_time():
    rng = np.random.default_rng(3)
    drawings = []
    for _ in range(12):
        d = rng.normal(size=(rng.integers(1, 40), 3))
        d[:, 2] = rng.random(len(d)) < 0.2
        drawings.append(d)
    drawings.insert(5, np.zeros((0, 3)))  # an empty face in the middle
    together = drawing_stats(drawings)
    alone = np.vstack([drawing_stats([d]) for d in drawings])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-5)
    assert (together[5] == 0).all()
    stats, ras = featurize(drawings)
    np.testing.assert_array_equal(stats, together)
    np.testing.assert_array_equal(ras, raster(drawings))


def test_the_raster_fills_the_canvas_and_keeps_the_aspect():
    wide = polygon([(0, 0), (10, 0)], close=False)
    ras = raster([wide])[0]
    assert ras.shape == (RASTER_SIZE, RASTER_SIZE)
    rows = np.flatnonzero(ras.sum(axis=1))
    assert len(rows) == 1  # a horizontal line stays one row high
    assert (ras.sum(axis=0) > 0).sum() == RASTER_SIZE  # and spans the width


def test_nll_stats_summarise_the_likelihood_result():
    nll = DrawingNLL(6.0, np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0]), 2.0)
    row = nll_stats([nll])[0]
    assert dict(zip(NLL_NAMES, row.tolist(), strict=True)) == pytest.approx(
        {"nll_mean_per_step": 2.0, "nll_total": 6.0, "nll_max_stroke": 5.0,
         "nll_step_spread": np.std([1, 2, 3])}
    )  # fmt: skip
