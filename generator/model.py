"""The unconditional sketch-rnn decoder: LSTM cell + mixture density head (Ha & Eck 2017).

Units: every stroke tensor here is stroke-5 ``[dx, dy, p1, p2, p3]`` in NORMALISED units
(Quick, Draw! pixels divided by ``scale_factor``, 78.2 for the face model). The start token S0 is
``[0, 0, 1, 0, 0]``. ``p1``: pen stays down after this point, ``p2``: pen lifts, ``p3``: end.

Head layout (Magenta ``get_mixture_coef``; Graves 2013 eqs. 18-22): ``z = h @ W_out + b_out`` has
123 = 3 + 6 * 20 values: pen logits (3), then 20 each of pi logits, mu_x, mu_y, log sigma_x,
log sigma_y, raw corr. Sigmas go through exp, corr through tanh; pi and pen stay logits here
(softmax belongs to sampling and the likelihood, which apply temperature to logits).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from generator.modelfile import ModelFile, load_model_file
from generator.rnn import MagentaLSTMCell, lstm_update

STROKE5_START = (0.0, 0.0, 1.0, 0.0, 0.0)  # S0: the first input of every sequence
NUM_PEN_STATES = 3  # p1 (down), p2 (lift), p3 (end)


@dataclass
class MixtureParams:
    """Head output split by meaning; leading dims follow ``z``, last dim M (=20) unless noted.

    mu and sigma are in normalised units per step (an offset dx, dy); corr in (-1, 1).
    """

    pen_logits: Tensor  # (..., 3) p1, p2, p3
    pi_logits: Tensor  # (..., M) mixture weights before softmax
    mu_x: Tensor  # (..., M)
    mu_y: Tensor  # (..., M)
    sigma_x: Tensor  # (..., M) exp already applied (Graves eq. 21)
    sigma_y: Tensor  # (..., M)
    corr: Tensor  # (..., M) tanh already applied (Graves eq. 22)


def split_mixture(z: Tensor) -> MixtureParams:
    """Split head output z (..., 3 + 6M) into :class:`MixtureParams` (views + exp/tanh)."""
    num_mixture = (z.shape[-1] - NUM_PEN_STATES) // 6
    if NUM_PEN_STATES + 6 * num_mixture != z.shape[-1]:
        raise ValueError(f"head output must have 3 + 6*M values, got {z.shape[-1]}")
    pen_logits = z[..., :NUM_PEN_STATES]  # (..., 3)
    pi, mu_x, mu_y, log_sx, log_sy, corr_raw = z[..., NUM_PEN_STATES:].split(num_mixture, -1)
    return MixtureParams(
        pen_logits=pen_logits,
        pi_logits=pi,
        mu_x=mu_x,
        mu_y=mu_y,
        sigma_x=torch.exp(log_sx),
        sigma_y=torch.exp(log_sy),
        corr=torch.tanh(corr_raw),
    )


class SketchDecoder(nn.Module):
    """Decoder-only sketch-rnn: stroke-5 input -> LSTM (Magenta gate order) -> 123 head values.

    Inference only: build with :meth:`from_model_file`, which puts the module in eval mode with
    ``requires_grad`` off. State is ``(h, c)``, each (B, hidden_size), zeros at the start.
    """

    def __init__(
        self,
        hidden_size: int = 512,  # LSTM units (dec_rnn_size)
        num_mixture: int = 20,  # bivariate Gaussians in the offset mixture
        scale_factor: float = 1.0,  # normalised units -> pixels (multiply)
        max_seq_len: int = 250,  # longest training sequence: the sampler's default stop
        model_sha256: str = "",  # identifies the weights for reproducibility
        name: str = "",  # Quick, Draw! category
    ) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.num_mixture = num_mixture
        self.scale_factor = scale_factor
        self.max_seq_len = max_seq_len
        self.model_sha256 = model_sha256
        self.name = name
        self.cell = MagentaLSTMCell(input_size=5, hidden_size=hidden_size)
        self.head = nn.Linear(hidden_size, NUM_PEN_STATES + 6 * num_mixture)

    @classmethod
    def from_model_file(cls, mf: ModelFile) -> SketchDecoder:
        """Build from decoded ``.gen.json`` weights; returns an eval-mode, no-grad module."""
        hidden = mf.recurrent_kernel.shape[0]
        decoder = cls(
            hidden_size=hidden,
            num_mixture=(mf.output_bias.shape[0] - NUM_PEN_STATES) // 6,
            scale_factor=mf.scale_factor,
            max_seq_len=mf.max_seq_len,
            model_sha256=mf.sha256,
            name=mf.name,
        )
        with torch.no_grad():
            # Magenta stores kernels as (in, out); nn.Linear wants (out, in).
            fused = torch.cat(
                [torch.from_numpy(mf.input_kernel), torch.from_numpy(mf.recurrent_kernel)]
            )
            decoder.cell.weight.copy_(fused)  # (5 + 512, 2048), columns i, j, f, o
            decoder.cell.bias.copy_(torch.from_numpy(mf.lstm_bias))  # (2048,)
            decoder.head.weight.copy_(torch.from_numpy(mf.output_kernel).T)  # (123, 512)
            decoder.head.bias.copy_(torch.from_numpy(mf.output_bias))  # (123,)
        decoder.requires_grad_(False)
        return decoder.eval()

    def initial_state(self, batch_size: int, device=None) -> tuple[Tensor, Tensor]:
        """Zero (h, c), each (batch_size, hidden_size) float32 on ``device`` (default: model's)."""
        device = self.head.weight.device if device is None else device
        zeros = torch.zeros(batch_size, self.hidden_size, device=device)
        return zeros, zeros.clone()

    def step(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """One step: x (B, 5) normalised stroke-5 -> (z (B, 123), new (h, c))."""
        h, c = self.cell(x, state)  # (B, H) each
        return self.head(h), (h, c)

    def forward(self, strokes5: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Teacher-forced run from the zero state.

        strokes5: (B, T, 5) inputs (normally S0 followed by the drawing's points). Returns z
        (B, T, 123), h (B, T, H), c (B, T, H); output ``t`` is the state after consuming input
        ``t``, so ``z[:, t]`` predicts point ``t + 1``.
        """
        batch, steps, _ = strokes5.shape
        cell = self.cell
        # The x -> gates product does not depend on the recurrence: one matmul for all steps.
        x_gates = torch.matmul(strokes5, cell.input_kernel) + cell.gate_bias()  # (B, T, 4H)
        h, c = self.initial_state(batch, device=strokes5.device)
        hs, cs = [], []
        for t in range(steps):
            gates = torch.addmm(x_gates[:, t], h, cell.recurrent_kernel)  # (B, 4H)
            h, c = lstm_update(gates, c)  # (B, H) each
            hs.append(h)
            cs.append(c)
        h_all = torch.stack(hs, dim=1)  # (B, T, H)
        c_all = torch.stack(cs, dim=1)  # (B, T, H)
        return self.head(h_all), h_all, c_all


def load_decoder(path: str | Path, device: str | torch.device = "cpu") -> SketchDecoder:
    """Load a ``.gen.json`` file into an eval-mode :class:`SketchDecoder` on ``device``.

    Raises :class:`generator.modelfile.ModelFileError` for a missing or malformed file. Parsing
    the 3 MB JSON takes tens of milliseconds, so no converted cache is kept: the ``.gen.json``
    stays the single source of the weights.
    """
    return SketchDecoder.from_model_file(load_model_file(path)).to(device)
