"""generator.likelihood: NLL of drawings under the decoder (Graves eqs. 23-26 + pen loss)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from generator.likelihood import drawing_nll, step_nll, summarise
from generator.model import SketchDecoder
from generator.sampling import sample_faces, sample_faces_with_nll


def _ndjson_to_stroke3(drawing: list, scale_factor: float) -> np.ndarray:
    """Quick, Draw! simplified strokes [[xs, ys], ...] -> normalised stroke-3 (first delta 0)."""
    points = []
    for xs, ys in drawing:
        for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
            points.append([x, y, 1.0 if k == len(xs) - 1 else 0.0])
    absolute = np.array(points, dtype=np.float64)
    strokes3 = absolute.copy()
    strokes3[0, :2] = 0.0
    strokes3[1:, :2] = np.diff(absolute[:, :2], axis=0)
    strokes3[:, :2] /= scale_factor
    return strokes3


@pytest.fixture(scope="module")
def human_faces(quickdraw_faces: list[dict], decoder: SketchDecoder) -> list[np.ndarray]:
    return [_ndjson_to_stroke3(r["drawing"], decoder.scale_factor) for r in quickdraw_faces]


def test_human_faces_have_a_finite_nll_with_one_value_per_step_and_stroke(
    decoder: SketchDecoder, human_faces: list[np.ndarray], quickdraw_faces: list[dict]
) -> None:
    results = drawing_nll(decoder, human_faces)
    assert len(results) == len(human_faces)
    for result, face, record in zip(results, human_faces, quickdraw_faces, strict=True):
        assert result.per_step.shape == (len(face) + 1,)  # every point, then the end state
        assert result.per_stroke.shape == (len(record["drawing"]),)
        assert np.isfinite(result.per_step).all()
        assert result.total == pytest.approx(result.per_step.sum())
        assert result.total == pytest.approx(result.per_stroke.sum())
        assert result.mean_per_step == pytest.approx(result.total / (len(face) + 1))


def test_batched_nll_equals_one_at_a_time(
    decoder: SketchDecoder, human_faces: list[np.ndarray]
) -> None:
    batched = drawing_nll(decoder, human_faces[:8], batch_size=256)
    small_batches = drawing_nll(decoder, human_faces[:8], batch_size=3)
    alone = [drawing_nll(decoder, [face])[0] for face in human_faces[:4]]
    for other in (small_batches, alone):
        for a, b in zip(batched, other, strict=False):
            # float32 LSTM; sharp Gaussians turn ~1e-6 differences into ~1e-3 nats.
            np.testing.assert_allclose(a.per_step, b.per_step, atol=5e-3)
            assert a.total == pytest.approx(b.total, rel=1e-3)


def test_random_scribbles_are_less_likely_than_human_faces(
    decoder: SketchDecoder, human_faces: list[np.ndarray]
) -> None:
    gen = np.random.default_rng(0)
    scribbles = [
        np.column_stack([gen.normal(0.0, 0.3, (60, 2)), gen.random(60) < 0.1]) for _ in range(10)
    ]
    human = np.mean([r.mean_per_step for r in drawing_nll(decoder, human_faces)])
    scribble = np.mean([r.mean_per_step for r in drawing_nll(decoder, scribbles)])
    assert scribble > human + 1.0


def test_cold_samples_are_more_likely_than_hot_ones(decoder: SketchDecoder) -> None:
    def mean_nll(temperature: float) -> float:
        faces = sample_faces(decoder, range(12), temperature)
        return float(np.mean([r.mean_per_step for r in drawing_nll(decoder, faces)]))

    assert mean_nll(0.1) < mean_nll(0.5) < mean_nll(1.0)


def test_per_stroke_sums_the_steps_of_each_stroke(decoder: SketchDecoder) -> None:
    drawing = np.array([[0.1, 0.0, 0], [0.1, 0.1, 1], [0.3, 0.0, 0], [0.0, 0.2, 1], [0.1, 0, 1]])
    (result,) = drawing_nll(decoder, [drawing])
    steps = result.per_step  # 5 points + end state
    np.testing.assert_allclose(
        result.per_stroke, [steps[0] + steps[1], steps[2] + steps[3], steps[4] + steps[5]]
    )


def test_an_empty_drawing_costs_only_its_end_state(decoder: SketchDecoder) -> None:
    (result,) = drawing_nll(decoder, [np.zeros((0, 3))])
    assert result.per_step.shape == (1,) and result.per_stroke.shape == (0,)
    assert result.total > 0 and math.isfinite(result.total)


def test_bad_drawings_are_rejected(decoder: SketchDecoder) -> None:
    with pytest.raises(ValueError, match="drawing 1: expected stroke-3"):
        drawing_nll(decoder, [np.zeros((2, 3)), np.zeros((2, 5))])
    with pytest.raises(ValueError, match="non-finite"):
        drawing_nll(decoder, [np.full((2, 3), np.nan)])


def test_step_nll_matches_a_single_gaussian_by_hand() -> None:
    # One step, 1 mixture component: pen logits, pi, mu_x, mu_y, log sx, log sy, corr_raw.
    sx, sy, rho = 0.5, 2.0, 0.3
    z = torch.tensor(
        [[[0.0, 0.0, 0.0, 0.0, 0.1, -0.2, math.log(sx), math.log(sy), math.atanh(rho)]]]
    )
    targets = torch.tensor([[[0.4, 0.5, 1.0]]])  # dx, dy, pen = lift
    offset, pen = step_nll(z, targets)
    zx, zy = (0.4 - 0.1) / sx, (0.5 + 0.2) / sy
    big_z = zx**2 + zy**2 - 2 * rho * zx * zy
    density = math.exp(-big_z / (2 * (1 - rho**2))) / (
        2 * math.pi * sx * sy * math.sqrt(1 - rho**2)
    )
    assert float(offset) == pytest.approx(-math.log(density), rel=1e-9)
    assert float(pen) == pytest.approx(math.log(3.0))


def test_the_sampler_measures_the_nll_a_second_decoder_pass_would(decoder: SketchDecoder) -> None:
    faces, step_nlls = sample_faces_with_nll(decoder, list(range(24)), 0.5, batch_size=8)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(faces, sample_faces(decoder, list(range(24)), 0.5), strict=True)
    )
    reference = drawing_nll(decoder, faces)
    measured = [
        (nll, ref, face)
        for nll, ref, face in zip(step_nlls, reference, faces, strict=True)
        if nll is not None
    ]
    assert len(measured) >= 12
    for per_step, ref, face in measured:
        # float32 state: batched vs teacher-forced matmuls differ in the last bits
        np.testing.assert_allclose(per_step, ref.per_step, rtol=1e-3, atol=2e-3)
        assert summarise(per_step, face[:, 2]).total == pytest.approx(ref.total, rel=1e-4)


def test_faces_cut_at_max_seq_len_get_the_nll_a_second_pass_would_give(
    decoder: SketchDecoder,
) -> None:
    # Stored with the last pen lifted and an end state after it: the sampler reads that
    # last point once more instead of leaving the face to a pass over every step.
    faces, step_nlls = sample_faces_with_nll(decoder, list(range(8)), 0.5, max_seq_len=5)
    assert all(len(face) == 5 and face[-1, 2] == 1 for face in faces)  # none ends within 5
    for per_step, ref in zip(step_nlls, drawing_nll(decoder, faces), strict=True):
        assert per_step is not None and len(per_step) == 6  # 5 points and the end state
        np.testing.assert_allclose(per_step, ref.per_step, rtol=1e-3, atol=2e-3)
