"""One decoder step at a given precision: the sampler's and the reduced-precision NLL's kernel.

``DecoderStep`` holds the decoder's weights laid out for one precision (see
:mod:`generator.precision`) and runs ``[x, h] @ W`` -> LSTM update -> head in place on
caller-owned buffers:

- ``xh`` (R, 5 + H) in the matmul dtype: the stroke-5 input, then h. The new h is written
  straight into its h columns, so the next step's input needs no concatenation (nor, in
  bfloat16, a separate cast: h is rounded once, as it is stored).
- ``c`` (R, H) float32 cell state, always float32.
- ``gates`` (R, 4H) float32 pre-activations; in bfloat16 also ``gates_lo`` (R, 4H), the
  matmul's own output, to which the float32 bias is added on the way into ``gates``.

The j (candidate) block of the cell weight and bias is stored doubled, since the cell update
needs ``sigmoid(2 j)`` (see :func:`generator.rnn.lstm_update_`); doubling is exact in any
binary floating-point format, so float32 results are bit-identical to doubling afterwards.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import torch
from torch import Tensor

from generator.model import SketchDecoder
from generator.precision import FLOAT32, matmul_dtype
from generator.rnn import lstm_update_

_shifts: weakref.WeakKeyDictionary[SketchDecoder, tuple[tuple, Tensor]] = (
    weakref.WeakKeyDictionary()
)


def gate_shift(decoder: SketchDecoder) -> Tensor:
    """(4H,) float32 mean bias-free gate pre-activation along the decoder's greedy drawing.

    Why: a bfloat16 matmul rounds its output to 8 significant bits, and several gate columns
    (the output gate's above all) carry large offsets that are nearly the same at every step,
    so the rounding error is large next to the part that varies. Subtracting a typical value
    inside the float32 accumulation and adding it back in float32 cuts that error about tenfold
    (human-drawing NLL: 13% off float32 without, about 1% with). Any shift is compensated exactly
    (see :meth:`DecoderStep.from_decoder`), so the choice only affects accuracy. Cached per
    decoder until its weights change in place; deterministic on a given CPU.
    """
    from generator.sampling import sample_faces  # sampling builds on this module

    versions = tuple(t._version for t in (*decoder.buffers(), *decoder.parameters()))
    cached = _shifts.get(decoder)
    if cached is not None and cached[0] == versions:
        return cached[1]
    greedy = sample_faces(decoder, [0], 0.0, softmax_temperature=0.0, precision=FLOAT32)[0]
    inputs = torch.zeros(1, len(greedy) + 1, 5, device=decoder.head.weight.device)  # (1, T, 5)
    inputs[0, 0, 2] = 1.0  # S0
    points = torch.from_numpy(greedy).to(inputs.device)  # (n, 3)
    inputs[0, 1:, :2] = points[:, :2]
    inputs[0, 1:, 2] = 1.0 - points[:, 2]  # p1: the pen stays down
    inputs[0, 1:, 3] = points[:, 2]  # p2: it lifts
    with torch.inference_mode():
        _, h, _ = decoder(inputs)  # (1, T, H): the state after each input
        h_before = torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], dim=1)  # (1, T, H)
        xh = torch.cat([inputs, h_before], dim=2)  # (1, T, 5 + H): what each step multiplies
        shift = (xh @ decoder.cell.weight).mean(dim=(0, 1))  # (4H,)
    _shifts[decoder] = (versions, shift)
    return shift


@dataclass(frozen=True)
class DecoderStep:
    """A decoder's weights for one precision; call :meth:`run` once per step."""

    precision: str  # "float32" or "bfloat16" (resolved, never "auto")
    cell_w: Tensor  # (5 + H [+ 1], 4H) matmul dtype: [x, h (, 1)] -> gates, i, 2j, f, o
    cell_b: Tensor  # (4H,) float32: stored bias + forget bias (+ shift), j block doubled
    head_w: Tensor  # (H, 123) float32: h -> head output
    head_b: Tensor  # (123,) float32

    @classmethod
    def from_decoder(
        cls, decoder: SketchDecoder, precision: str, device: torch.device
    ) -> DecoderStep:
        """Lay out ``decoder``'s weights for ``precision`` (a resolved name) on ``device``.

        bfloat16: the input gets a last column that is always 1, and the weight a last row
        -m, with m the shift (:func:`gate_shift`) rounded to bfloat16, so ``xh @ W`` loses m
        inside the matmul's float32 accumulation, before its output is rounded; the float32 bias
        adds the same m back, exactly.
        """
        dtype = matmul_dtype(precision)
        hidden = decoder.hidden_size
        scale = torch.ones(4 * hidden, device=device)  # (4H,)
        scale[hidden : 2 * hidden] = 2.0  # the j block
        cell_w = decoder.cell.weight.to(device) * scale  # (5 + H, 4H) float32
        cell_b = decoder.cell.gate_bias().to(device) * scale  # (4H,)
        if precision != FLOAT32:
            shift = (gate_shift(decoder).to(device) * scale).to(dtype)  # (4H,) exact in dtype
            cell_w = torch.cat([cell_w, -shift[None].float()])  # (5 + H + 1, 4H)
            cell_b += shift.float()
        return cls(
            precision=precision,
            cell_w=cell_w.to(dtype),
            cell_b=cell_b,
            head_w=decoder.head.weight.to(device).t(),  # (H, 123) transposed view, no copy
            head_b=decoder.head.bias.to(device),
        )

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of ``xh``: the matmul operands'."""
        return self.cell_w.dtype

    @property
    def hidden_size(self) -> int:
        return self.head_w.shape[0]

    def new_inputs(self, rows: int) -> Tensor:
        """(R, 5 + H [+ 1]) input buffer, every row at the start: S0, zero h (, 1)."""
        xh = torch.zeros(rows, self.cell_w.shape[0], device=self.cell_w.device, dtype=self.dtype)
        self.reset_inputs(xh, torch.arange(rows, device=xh.device))
        return xh

    def reset_inputs(self, xh: Tensor, rows: Tensor) -> None:
        """Put ``rows`` (k,) of ``xh`` back at the start: S0 = [0, 0, 1, 0, 0], h = 0 (, 1)."""
        xh[rows] = 0.0
        xh[rows, 2] = 1.0  # p1 of S0
        if xh.shape[1] > 5 + self.hidden_size:
            xh[rows, -1] = 1.0  # the shift's constant column

    def gate_buffers(self, rows: int) -> tuple[Tensor, Tensor | None]:
        """(gates (R, 4H) float32, gates_lo (R, 4H) matmul dtype or None in float32)."""
        width, device = self.cell_w.shape[1], self.cell_w.device
        gates = torch.empty(rows, width, device=device)
        if self.precision == FLOAT32:
            return gates, None
        return gates, torch.empty(rows, width, device=device, dtype=self.dtype)

    def run(self, xh: Tensor, c: Tensor, gates: Tensor, gates_lo: Tensor | None) -> Tensor:
        """One step for R rows; updates ``c`` and ``xh[:, 5:]`` (h) in place.

        xh (R, 5 + H [+ 1]) from :meth:`new_inputs`, c (R, H) float32, gates / gates_lo from
        :meth:`gate_buffers` (at least R rows; overwritten). Returns z (R, 123) float32.
        """
        if gates_lo is None:  # float32: bias fused into the matmul
            torch.addmm(self.cell_b, xh, self.cell_w, out=gates)  # (R, 4H)
        else:  # products accumulate in float32 inside the kernel; the bias is added in float32
            torch.mm(xh, self.cell_w, out=gates_lo)  # (R, 4H) bfloat16
            # Two passes, not torch.add(gates_lo, bias, out=gates): the mixed-dtype add runs
            # 4x slower than a widening copy plus a float32 add (torch 2.13, AVX-512).
            gates.copy_(gates_lo).add_(self.cell_b)  # (R, 4H) float32
        h = xh[:, 5 : 5 + self.hidden_size]  # (R, H) view: the new h is the next step's input
        if gates_lo is None:
            lstm_update_(gates, c, h, j_doubled=True)
            return torch.addmm(self.head_b, h, self.head_w)  # (R, 123)
        # The head reads h in float32: rounding its input or weights to bfloat16 moves the
        # mixture means by a good part of their (small) sigmas, +24% NLL on sampled faces.
        h32 = gates[:, : h.shape[1]]  # (R, H): the i block's storage, free once c is updated
        lstm_update_(gates, c, h32, j_doubled=True)
        h.copy_(h32)  # rounded once, for the next step's matmul
        return torch.addmm(self.head_b, h32, self.head_w)  # (R, 123)

    @torch.inference_mode()
    def teacher_forced(self, strokes5: Tensor) -> Tensor:
        """Head outputs z (B, T, 123) float32 for inputs strokes5 (B, T, 5), from zero state.

        Output ``t`` predicts point ``t + 1``, as in :meth:`SketchDecoder.forward`; this runs the
        sampler's own kernels, so it measures the likelihood a precision's sampler sees.
        """
        batch, steps, _ = strokes5.shape
        xh = self.new_inputs(batch)  # (B, 5 + H [+ 1])
        c = torch.zeros(batch, self.hidden_size, device=strokes5.device)  # (B, H)
        gates, gates_lo = self.gate_buffers(batch)
        z = torch.empty(batch, steps, self.head_b.shape[0], device=strokes5.device)
        for t in range(steps):
            xh[:, :5] = strokes5[:, t]  # (B, 5)
            z[:, t] = self.run(xh, c, gates, gates_lo)  # (B, 123)
        return z
