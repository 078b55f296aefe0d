"""Magenta's basic LSTM cell (``sketch_rnn/rnn.py: LSTMCell``) as a fused PyTorch module.

Porting gotchas, each one a way to get scribbles instead of faces:

- **Gate order is i, j, f, o** (input gate, candidate "j" = nn.LSTM's "g", forget gate, output
  gate), each block ``hidden_size`` columns wide. PyTorch's ``nn.LSTM`` uses i, f, g, o, so its
  weights would need reordering; we implement the cell directly instead.
- **The forget bias of 1.0 is added at runtime**, not stored in the checkpoint: Magenta's cell
  computes ``sigmoid(f + forget_bias)``. :meth:`MagentaLSTMCell.gate_bias` adds it to the stored
  bias, so a single ``addmm`` yields the shifted pre-activations.
- **One bias**, not nn.LSTM's two (``b_ih + b_hh``).
- **State layout**: Magenta's ``LSTMCell`` packs the state as ``[c, h]``; we pass ``(h, c)``
  tuples everywhere (like ``nn.LSTM``).
- The cell has no layer norm and no recurrent dropout at inference.

Equations (Hochreiter & Schmidhuber 1997, as written in Magenta)::

    i, j, f, o = split([x, h] @ W + b, 4)          # W = concat(Wx, Wh, axis=0): (5+512, 2048)
    c' = c * sigmoid(f + 1.0) + sigmoid(i) * tanh(j)
    h' = tanh(c') * sigmoid(o)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

FORGET_BIAS = 1.0  # Magenta LSTMCell(forget_bias=1.0): added to the f pre-activation, not stored


class MagentaLSTMCell(nn.Module):
    """LSTM cell with Magenta's i, j, f, o gate layout and one fused ``[x, h]`` weight.

    Buffers (float32, not trainable: this project only runs inference):
      ``weight``: (input_size + hidden_size, 4 * hidden_size); rows ``[:input_size]`` are the
      input kernel (x -> gates), the rest the recurrent kernel (h -> gates); columns i, j, f, o.
      ``bias``: (4 * hidden_size,) as stored in the checkpoint, forget bias NOT included.
    """

    weight: Tensor  # registered buffers, declared for the type checker
    bias: Tensor

    def __init__(self, input_size: int = 5, hidden_size: int = 512) -> None:
        super().__init__()
        self.input_size = input_size  # stroke-5: dx, dy, p1, p2, p3
        self.hidden_size = hidden_size  # 512 for every sketch-rnn JS model
        self.register_buffer("weight", torch.zeros(input_size + hidden_size, 4 * hidden_size))
        self.register_buffer("bias", torch.zeros(4 * hidden_size))

    @property
    def input_kernel(self) -> Tensor:
        """(input_size, 4H) view of ``weight``: x -> gates."""
        return self.weight[: self.input_size]

    @property
    def recurrent_kernel(self) -> Tensor:
        """(H, 4H) view of ``weight``: h -> gates."""
        return self.weight[self.input_size :]

    def gate_bias(self) -> Tensor:
        """(4H,) stored bias with :data:`FORGET_BIAS` added to the f block (third of four)."""
        hidden = self.hidden_size
        shift = torch.zeros_like(self.bias)
        shift[2 * hidden : 3 * hidden] = FORGET_BIAS
        return self.bias + shift

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        """One step. x: (B, input_size); state (h, c): (B, H) each. Returns new (h, c)."""
        h, c = state
        xh = torch.cat([x, h], dim=1)  # (B, 5 + H)
        gates = torch.addmm(self.gate_bias(), xh, self.weight)  # (B, 4H), forget bias included
        return lstm_update(gates, c)


def lstm_update(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """Cell update from pre-activations that already include the forget bias.

    gates: (B, 4H) in i, j, f, o order; c: (B, H). Returns new (h, c), each (B, H); the inputs
    are left unchanged (see :func:`lstm_update_` for the allocation-free version).
    """
    h = torch.empty_like(c)  # (B, H)
    c = c.clone()  # (B, H)
    lstm_update_(gates.clone(), c, h)
    return h, c


def lstm_update_(gates: Tensor, c: Tensor, h_out: Tensor, *, j_doubled: bool = False) -> None:
    """In-place cell update: the sampler's hot loop, so no temporaries are allocated.

    gates: (B, 4H) float32 pre-activations, forget bias included, i, j, f, o order; overwritten.
    j_doubled: the j block already holds 2j (weights and bias scaled by 2 ahead of time).
    c: (B, H) float32 cell state, updated in place. h_out: (B, H) receives h' (may be a strided
    view, e.g. the h columns of the sampler's fused ``[x, h]`` buffer, and may be of a narrower
    float dtype: h' is rounded once, as it is stored).

    Two CPU measurements shape this (torch 2.13, AVX-512, B = 1024): allocating a fresh 2 MB
    result per op costs about as much as the op, and ``tanh`` is ~5x slower than ``sigmoid``.
    So tanh is computed as ``tanh(x) = 2 * sigmoid(2x) - 1`` (exact identity; absolute error
    ~1e-7) and one ``sigmoid_`` covers all four gate blocks.
    """
    i, j, f, o = gates.chunk(4, dim=1)  # (B, H) strided views into gates
    if not j_doubled:
        j.mul_(2.0)
    gates.sigmoid_()  # sigmoid(i), sigmoid(2j), sigmoid(f + 1), sigmoid(o) in one pass
    # c' = c * sigmoid(f + 1) + sigmoid(i) * tanh(j), with tanh(j) = 2 sigmoid(2j) - 1
    c.mul_(f).addcmul_(i, j, value=2.0).sub_(i)
    torch.mul(c, 2.0, out=j)  # reuse j's storage for tanh(c') = 2 sigmoid(2c') - 1
    j.sigmoid_()
    # h' = tanh(c') * sigmoid(o) = 2 sigmoid(2c') sigmoid(o) - sigmoid(o)
    o.neg_()
    torch.addcmul(o, j, o, value=-2.0, out=h_out)
