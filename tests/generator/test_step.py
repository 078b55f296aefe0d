"""generator.step: one decoder step per precision, and the bfloat16 gate shift."""

from __future__ import annotations

import torch

from generator.model import SketchDecoder
from generator.precision import BFLOAT16, FLOAT32
from generator.step import DecoderStep, gate_shift


def _strokes5(steps: int = 12) -> torch.Tensor:
    gen = torch.Generator().manual_seed(3)
    inputs = torch.zeros(4, steps, 5)  # (B, T, 5)
    inputs[:, 0, 2] = 1.0  # S0
    inputs[:, 1:, :2] = torch.randn(4, steps - 1, 2, generator=gen) * 0.3
    lift = torch.rand(4, steps - 1, generator=gen) < 0.2
    inputs[:, 1:, 2], inputs[:, 1:, 3] = (~lift).float(), lift.float()
    return inputs


def test_the_float32_step_matches_the_teacher_forced_decoder(decoder: SketchDecoder) -> None:
    inputs = _strokes5()
    expected, _, _ = decoder(inputs)  # (B, T, 123)
    step = DecoderStep.from_decoder(decoder, FLOAT32, torch.device("cpu"))
    torch.testing.assert_close(step.teacher_forced(inputs), expected, atol=1e-4, rtol=1e-4)


def test_the_bfloat16_step_stays_close_to_float32(decoder: SketchDecoder) -> None:
    inputs = _strokes5()
    expected, _, _ = decoder(inputs)
    step = DecoderStep.from_decoder(decoder, BFLOAT16, torch.device("cpu"))
    assert step.cell_w.dtype == torch.bfloat16 and step.head_w.dtype == torch.float32
    z = step.teacher_forced(inputs)
    assert z.dtype == torch.float32
    # The head's mixture means move by a small fraction of their spread.
    assert (z - expected).abs().median() < 0.02


def test_what_the_shift_column_takes_away_the_bias_adds_back(decoder: SketchDecoder) -> None:
    step = DecoderStep.from_decoder(decoder, BFLOAT16, torch.device("cpu"))
    reference = DecoderStep.from_decoder(decoder, FLOAT32, torch.device("cpu"))
    hidden = decoder.hidden_size
    assert step.cell_w.shape == (5 + hidden + 1, 4 * hidden)  # the constant column's row
    torch.testing.assert_close(step.cell_b - reference.cell_b, -step.cell_w[-1].float())
    torch.testing.assert_close(
        step.cell_w[:-1], reference.cell_w.to(torch.bfloat16), atol=0, rtol=0
    )
    inputs = step.new_inputs(3)
    assert inputs[:, -1].tolist() == [1.0] * 3 and inputs[:, 2].tolist() == [1.0] * 3


def test_the_gate_shift_is_cached_until_the_weights_change() -> None:
    tiny = SketchDecoder(hidden_size=8, num_mixture=2, max_seq_len=10).eval()
    first = gate_shift(tiny)
    assert first.shape == (32,) and gate_shift(tiny) is first
    with torch.no_grad():
        tiny.cell.weight.add_(0.5)
    assert gate_shift(tiny) is not first
