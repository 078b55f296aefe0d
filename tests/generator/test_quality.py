"""generator.quality: bfloat16 sampling against float32 (NLL within 1%, KS tests)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from generator.model import SketchDecoder
from generator.precision import BFLOAT16, FLOAT32
from generator.quality import (
    NLL_BOUND,
    compare_precisions,
    drawing_nll_at,
    drawing_statistics,
    kolmogorov_sf,
    ks_two_sample,
    load_quickdraw,
)


@pytest.fixture(scope="module")
def human_faces(quickdraw_faces: list[dict], decoder: SketchDecoder, tmp_path_factory) -> list:
    path = tmp_path_factory.mktemp("quickdraw") / "faces.ndjson"
    path.write_text("\n".join(json.dumps(record) for record in quickdraw_faces))
    return load_quickdraw(path, decoder.scale_factor)


def test_the_kolmogorov_tail_matches_its_tabulated_critical_values() -> None:
    assert kolmogorov_sf(1.358) == pytest.approx(0.05, abs=1e-3)
    assert kolmogorov_sf(1.628) == pytest.approx(0.01, abs=1e-3)
    assert kolmogorov_sf(0.0) == 1.0 and kolmogorov_sf(5.0) < 1e-20


def test_ks_accepts_samples_of_one_distribution_and_rejects_a_shifted_one() -> None:
    gen = np.random.default_rng(0)
    a, b = gen.normal(size=400), gen.normal(size=300)
    assert ks_two_sample(a, a) == (0.0, 1.0)
    assert ks_two_sample(a, b)[1] > 0.05
    d, p = ks_two_sample(a, b + 0.5)
    assert d > 0.15 and p < 1e-6


def test_drawing_statistics_measure_points_strokes_extent_and_ink() -> None:
    # Two strokes: a 3-4-5 segment, then a pen-up move and a 1-unit segment.
    drawing = np.array([[0, 0, 0], [3, 4, 1], [10, 0, 0], [0, 1, 1]], dtype=np.float32)
    stats = drawing_statistics(drawing)
    assert stats == {
        "points": 4.0,
        "strokes": 2.0,
        "width": 13.0,
        "height": 5.0,
        "ink_length": 6.0,
    }


def test_human_faces_are_as_likely_in_bfloat16_as_in_float32(
    decoder: SketchDecoder, human_faces: list[np.ndarray]
) -> None:
    assert len(human_faces) == 25
    float32 = np.mean(drawing_nll_at(decoder, human_faces, FLOAT32))
    bfloat16 = np.mean(drawing_nll_at(decoder, human_faces, BFLOAT16))
    assert abs(bfloat16 - float32) <= NLL_BOUND * abs(float32)


def test_bfloat16_faces_are_indistinguishable_from_float32_ones(decoder: SketchDecoder) -> None:
    report = compare_precisions(decoder, BFLOAT16, samples=64, temperature=0.5, batch_size=64)
    assert report.indistinguishable, report.ks
    assert [c.name for c in report.nll] == ["samples, float32 model", "float32 samples, each model"]
