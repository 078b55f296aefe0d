"""generator.representation and the teacher-forced pass that feeds it (generator.likelihood)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from generator.likelihood import drawing_nll, drawing_nll_and_states
from generator.model import SketchDecoder, load_decoder
from generator.representation import (
    LAYOUT_WIDTH,
    OCC_GRID,
    POOLS,
    REPR_NAMES,
    REPR_WIDTH,
    STATE_WIDTH,
    StatePool,
    layout,
    pool_states,
    projection,
    represent,
)
from generator.scorer import FeatureBatch, ScorerConfig, predict, train_scorer
from generator.scorer_metrics import weighted_auc

HIDDEN = 16


@pytest.fixture(scope="module")
def tiny_decoder() -> SketchDecoder:
    """A random 16-unit decoder: the pass's shapes and bookkeeping without the real weights."""
    torch.manual_seed(0)
    decoder = SketchDecoder(hidden_size=HIDDEN, num_mixture=2)
    with torch.no_grad():
        decoder.cell.weight.normal_(0.0, 0.5)
        decoder.cell.bias.normal_(0.0, 0.1)
        decoder.head.weight.normal_(0.0, 0.1)
    return decoder.eval()


def _polyline_face(strokes: list[np.ndarray]) -> np.ndarray:
    """Absolute polylines (k, 2) -> normalised stroke-3, the pen lifting after each stroke."""
    points = np.concatenate(strokes)
    lifts = np.concatenate([np.eye(1, len(s), len(s) - 1)[0] for s in strokes])
    deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2)))
    return np.column_stack([deltas, lifts]).astype(np.float32)


def _face(rng: np.random.Generator, *, hair: bool) -> np.ndarray:
    """A round head with two eyes and a mouth; with `hair`, a short stroke above the head."""
    angle = np.linspace(0, 2 * np.pi, 24)
    r = 1.0 + 0.05 * rng.normal()
    head = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    eye = 0.1 * np.column_stack([np.cos(angle[::3]), np.sin(angle[::3])])
    jitter = 0.05 * rng.normal(size=2)
    left, right = np.array([-0.35, -0.3]) + jitter, np.array([0.35, -0.3]) + jitter
    strokes = [head, eye + left, eye + right]
    strokes.append(np.array([[-0.4, 0.45], [0.0, 0.55], [0.4, 0.45]]) + jitter)
    if hair:  # y grows down: the top of the head is at y = -r
        x0 = rng.uniform(-0.5, 0.2)
        strokes.append(np.array([[x0, -r - 0.1], [x0 + 0.15, -r - 0.35], [x0 + 0.3, -r - 0.1]]))
    return _polyline_face(strokes)


def test_pool_states_takes_means_and_maxima_over_the_drawing_points_only():
    h = torch.tensor([[[9.0], [1.0], [3.0], [5.0]]])  # (1, 4, 1): S0's state, 2 points, padding
    c = torch.zeros_like(h)
    points = torch.tensor([[False, True, True, False]])
    lifts = torch.tensor([[False, False, True, False]])
    pooled = pool_states(h, c, points, lifts)  # (1, 4): h_mean, h_max, c_mean, h_lift
    assert pooled.tolist() == [[2.0, 3.0, 0.0, 3.0]]
    empty = pool_states(h, c, torch.zeros_like(points), torch.zeros_like(lifts))
    assert empty.tolist() == [[0.0, 0.0, 0.0, 0.0]]


def test_the_teacher_forced_pass_returns_the_same_nll_and_pooled_states_of_every_face(
    tiny_decoder,
):
    rng = np.random.default_rng(0)
    faces = [_face(rng, hair=bool(k % 2)) for k in range(6)] + [np.zeros((0, 3), np.float32)]
    nlls, pooled = drawing_nll_and_states(tiny_decoder, faces, batch_size=3)
    assert pooled.shape == (7, len(POOLS) * HIDDEN) and pooled.dtype == np.float32
    assert not pooled[-1].any()  # an empty drawing pools nothing
    plain = drawing_nll(tiny_decoder, faces)
    assert [n.total for n in nlls] == pytest.approx([n.total for n in plain], rel=1e-6)
    again = drawing_nll_and_states(tiny_decoder, faces[::-1], batch_size=7)[1][::-1]
    np.testing.assert_allclose(again, pooled, atol=1e-5)  # batching and order do not matter


def test_the_representation_has_its_documented_layout_and_is_deterministic(tiny_decoder):
    rng = np.random.default_rng(1)
    faces = [_face(rng, hair=False) for _ in range(3)]
    _, pooled = drawing_nll_and_states(tiny_decoder, faces)
    rows = represent(pooled, faces)
    assert rows.shape == (3, REPR_WIDTH) == (3, len(REPR_NAMES)) and rows.dtype == np.float32
    np.testing.assert_array_equal(rows, represent(pooled, faces))
    np.testing.assert_array_equal(projection(HIDDEN), projection(HIDDEN))
    assert projection(HIDDEN).shape == (len(POOLS) * HIDDEN, STATE_WIDTH)
    with pytest.raises(ValueError, match="pooled rows"):
        represent(pooled[:2], faces)


def test_the_layout_sees_a_stroke_at_the_top_of_the_face():
    rng = np.random.default_rng(2)
    plain, hair = layout([_face(rng, hair=False), _face(rng, hair=True)])
    assert plain.shape == (LAYOUT_WIDTH,)
    cells = OCC_GRID * OCC_GRID
    assert plain[:cells].sum() == pytest.approx(1.0)  # ink shares
    assert plain[cells:].sum() == 4 and hair[cells:].sum() == 5  # strokes by their centre
    top_row = slice(cells, cells + OCC_GRID)  # stroke centres in the top row of cells
    assert plain[top_row].sum() == 0 and hair[top_row].sum() == 1


def test_a_head_learns_hair_from_the_decoder_states_alone(face_model_path: Path):
    """The real decoder's pooled states (the layout grids blanked) tell faces with a stroke
    above the head from faces without one: a learnable signal, from 200 labels."""
    decoder = load_decoder(face_model_path)
    rng = np.random.default_rng(3)
    hair = rng.random(400) < 0.5
    faces = [_face(rng, hair=bool(h)) / [3.0, 3.0, 1.0] for h in hair]  # about a face's size
    _, pooled = drawing_nll_and_states(decoder, faces)
    rows = represent(pooled, faces)
    rows[:, STATE_WIDTH:] = 0.0  # states only
    batch = FeatureBatch(np.zeros((400, 1), np.float32), None, rows)
    config = ScorerConfig.for_representation()
    net = train_scorer(config, batch.take(np.arange(200)), hair[:200] * 1.0, np.ones(200))
    scores = predict(net, batch.take(np.arange(200, 400)))
    assert weighted_auc(hair[200:] * 1.0, np.ones(200), scores) > 0.9


def test_the_step_by_step_pool_matches_the_teacher_forced_pass(tiny_decoder):
    """What a sampler would fold in as it draws equals the pass over the finished drawings."""
    rng = np.random.default_rng(4)
    faces = [_face(rng, hair=bool(k % 2)) for k in range(3)]
    _, expected = drawing_nll_and_states(tiny_decoder, faces)
    steps = max(len(f) for f in faces) + 1
    inputs = np.zeros((3, steps, 5), np.float32)  # S0, then each face's points, then idle rows
    inputs[:, 0, 2] = 1.0
    for row, face in enumerate(faces):
        inputs[row, 1 : len(face) + 1, :2] = face[:, :2]
        inputs[row, 1 : len(face) + 1, 2] = face[:, 2] < 0.5
        inputs[row, 1 : len(face) + 1, 3] = face[:, 2] > 0.5
    pool = StatePool(4, HIDDEN)  # one idle row too
    pool.reset(torch.arange(4))
    state = tiny_decoder.initial_state(4)
    x = torch.from_numpy(np.concatenate([inputs, np.zeros((1, steps, 5), np.float32)]))
    with torch.inference_mode():
        for t in range(steps):
            _, state = tiny_decoder.step(x[:, t], state)
            is_point = x[:, t, 2:4].sum(1) > 0
            is_point &= t > 0
            pool.update(state[0], state[1], is_point, x[:, t, 3] > 0)
        got = pool.take(torch.arange(3)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
