"""generator.model / generator.rnn: the Magenta LSTM decoder and its mixture head."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from generator.model import SketchDecoder, load_decoder, split_mixture
from generator.modelfile import ModelFile, load_model_file
from generator.rnn import MagentaLSTMCell, lstm_update


@pytest.fixture(scope="module")
def model_file(face_model_path: Path) -> ModelFile:
    return load_model_file(face_model_path)


@pytest.fixture(scope="module")
def decoder(model_file: ModelFile) -> SketchDecoder:
    return SketchDecoder.from_model_file(model_file)


def _numpy_magenta_cell(mf: ModelFile, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Magenta's LSTMCell + output layer written out in float64 numpy, from the file's arrays.

    inputs (T, 5) -> z (T, 123), h (T, 512). Independent of generator.rnn's fused code path.
    """
    sigmoid = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    wx, wh = mf.input_kernel.astype(np.float64), mf.recurrent_kernel.astype(np.float64)
    b = mf.lstm_bias.astype(np.float64)
    h, c = np.zeros(512), np.zeros(512)
    zs, hs = [], []
    for x in inputs:
        concat = x @ wx + h @ wh + b
        i, j, f, o = np.split(concat, 4)  # Magenta order: input, new input (j), forget, output
        c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j)  # forget_bias = 1.0
        h = np.tanh(c) * sigmoid(o)
        zs.append(h @ mf.output_kernel.astype(np.float64) + mf.output_bias)
        hs.append(h)
    return np.array(zs), np.array(hs)


def _face_like_inputs(steps: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(3)
    x = torch.zeros(steps, 5)
    x[:, :2] = torch.randn(steps, 2, generator=gen) * 0.2
    pen = torch.randint(0, 2, (steps,), generator=gen)
    x[torch.arange(steps), 2 + pen] = 1.0
    x[0] = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0])  # S0
    return x  # (T, 5)


def test_the_decoder_matches_a_numpy_magenta_cell_on_the_real_weights(
    model_file: ModelFile, decoder: SketchDecoder
) -> None:
    inputs = _face_like_inputs(6)
    z_ref, h_ref = _numpy_magenta_cell(model_file, inputs.double().numpy())
    z, h, _ = decoder(inputs[None])
    np.testing.assert_allclose(h[0].numpy(), h_ref, atol=2e-5)
    np.testing.assert_allclose(z[0].numpy(), z_ref, atol=1e-4)
    state = decoder.initial_state(1)
    for t in range(len(inputs)):
        z_t, state = decoder.step(inputs[t : t + 1], state)
        np.testing.assert_allclose(z_t[0].numpy(), z_ref[t], atol=1e-4)


def test_the_forget_bias_is_not_stored_but_added(decoder: SketchDecoder) -> None:
    bias = decoder.cell.gate_bias() - decoder.cell.bias  # (2048,)
    expected = torch.zeros(2048)
    expected[1024:1536] = 1.0  # only the f block, third of i, j, f, o
    torch.testing.assert_close(bias, expected, atol=1e-6, rtol=0)


def test_step_and_forward_agree(decoder: SketchDecoder) -> None:
    batch = torch.stack([_face_like_inputs(9), _face_like_inputs(9).flip(0)])  # (2, 9, 5)
    z, h, c = decoder(batch)
    assert z.shape == (2, 9, 123) and h.shape == (2, 9, 512) and c.shape == (2, 9, 512)
    state = decoder.initial_state(2)
    for t in range(9):
        z_t, state = decoder.step(batch[:, t], state)
        torch.testing.assert_close(z_t, z[:, t], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(state[0], h[:, t], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(state[1], c[:, t], atol=1e-5, rtol=1e-5)


def test_a_tiny_decoder_has_the_documented_shapes() -> None:
    tiny = SketchDecoder(hidden_size=8, num_mixture=3).eval()
    h, c = tiny.initial_state(4)
    assert h.shape == c.shape == (4, 8) and not h.any() and not c.any()
    z, (h, c) = tiny.step(torch.zeros(4, 5), (h, c))
    assert z.shape == (4, 3 + 6 * 3) and h.shape == (4, 8)
    z, h_all, c_all = tiny(torch.zeros(4, 7, 5))
    assert z.shape == (4, 7, 21) and h_all.shape == c_all.shape == (4, 7, 8)


def test_the_cell_update_leaves_its_inputs_alone() -> None:
    gates, c = torch.randn(3, 32), torch.randn(3, 8)
    gates_before, c_before = gates.clone(), c.clone()
    lstm_update(gates, c)
    assert torch.equal(gates, gates_before) and torch.equal(c, c_before)


def test_the_cell_matches_textbook_equations_on_random_inputs() -> None:
    cell = MagentaLSTMCell(input_size=5, hidden_size=16)
    gen = torch.Generator().manual_seed(0)
    cell.weight.copy_(torch.randn(21, 64, generator=gen))
    cell.bias.copy_(torch.randn(64, generator=gen))
    x, h, c = (torch.randn(4, n, generator=gen) for n in (5, 16, 16))
    h2, c2 = cell(x, (h, c))
    i, j, f, o = (torch.cat([x, h], 1) @ cell.weight + cell.bias).chunk(4, 1)
    c_ref = c * torch.sigmoid(f + 1.0) + torch.sigmoid(i) * torch.tanh(j)
    torch.testing.assert_close(c2, c_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(h2, torch.tanh(c_ref) * torch.sigmoid(o), atol=1e-5, rtol=1e-5)


def test_split_mixture_applies_exp_and_tanh_in_magenta_order() -> None:
    z = torch.arange(123, dtype=torch.float32).repeat(2, 1) / 100  # (2, 123)
    p = split_mixture(z)
    assert p.pen_logits.shape == (2, 3) and p.pi_logits.shape == (2, 20)
    torch.testing.assert_close(p.pen_logits[0], z[0, :3])
    torch.testing.assert_close(p.pi_logits[0], z[0, 3:23])
    torch.testing.assert_close(p.mu_x[0], z[0, 23:43])
    torch.testing.assert_close(p.mu_y[0], z[0, 43:63])
    torch.testing.assert_close(p.sigma_x[0], torch.exp(z[0, 63:83]))
    torch.testing.assert_close(p.sigma_y[0], torch.exp(z[0, 83:103]))
    torch.testing.assert_close(p.corr[0], torch.tanh(z[0, 103:123]))
    with pytest.raises(ValueError, match="3 \\+ 6\\*M"):
        split_mixture(torch.zeros(2, 124))


def test_load_decoder_gives_an_eval_module_without_grad(face_model_path: Path) -> None:
    decoder = load_decoder(face_model_path)
    assert not decoder.training
    assert not any(t.requires_grad for t in decoder.parameters())
    assert decoder.hidden_size == 512 and decoder.num_mixture == 20
    assert decoder.scale_factor == 78.2 and decoder.max_seq_len == 121
    assert decoder.name == "face" and len(decoder.model_sha256) == 64
    assert set(decoder.state_dict()) == {"cell.weight", "cell.bias", "head.weight", "head.bias"}
