"""A differentiable teacher-forced log-likelihood of drawings, for fine-tuning the decoder.

Why not :meth:`SketchDecoder.forward` + :func:`generator.likelihood.drawing_nll`: those run
under ``inference_mode`` and the cell update works in place on views (the sampler's kernel), so
autograd cannot go through them. Here the same cell runs through ``torch.lstm``, whose gradient
is computed by ATen's own loop: about 5x faster than a Python loop of out-of-place steps on 2
cores (B = 64, T = 80: 0.5 s against 3.2 s for forward + backward). The per-step NLL is still
:func:`generator.likelihood.step_nll`, fed tempered head outputs.

Gate layouts: Magenta's fused weight is ``[x, h] @ W`` with columns i, j, f, o and the forget
bias (1.0) added at run time (:mod:`generator.rnn`); ``torch.lstm`` wants ``W_ih`` (4H, 5) and
``W_hh`` (4H, H) with rows i, f, g(= j), o and two biases. So the columns are permuted (a
gather, which autograd follows back to the Magenta layout) and the forget bias rides in b_ih.

Temperature: a face drawn at temperature τ came from the *tempered* distribution (pen and pi
logits divided by 0.5 + 0.5 τ, sigmas times sqrt(τ);
:func:`generator.mixture_draw.temperature_adjusted`). :func:`tempered` rewrites head outputs so
that ``step_nll`` scores exactly that distribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from generator.likelihood import PEN_END, _stroke5_batch, step_nll
from generator.model import NUM_PEN_STATES, SketchDecoder


@dataclass(frozen=True)
class Batch:
    """Drawings as teacher-forcing tensors (see :func:`generator.likelihood._stroke5_batch`)."""

    inputs: Tensor  # (B, T, 5) S0 then the points, stroke-5, NORMALISED units
    targets: Tensor  # (B, T, 3) dx, dy, pen-state index; padding is the end state
    valid: Tensor  # (B, T) bool: the n points and the end state of each drawing
    temperature: Tensor  # (B,) float32 sampling temperature; 1.0 = the model itself

    @classmethod
    def of(cls, drawings: Sequence[np.ndarray], temperatures: Sequence[float]) -> Batch:
        arrays = [np.asarray(d, np.float64).reshape(-1, 3) for d in drawings]
        inputs, targets = _stroke5_batch(arrays)
        lengths = torch.tensor([len(a) for a in arrays])  # (B,) points
        steps = torch.arange(inputs.shape[1])  # (T,)
        valid = steps[None, :] <= lengths[:, None]  # (B, T): points, then the end state
        temperature = torch.tensor(list(temperatures), dtype=torch.float32)
        return cls(inputs, targets, valid, temperature)


def magenta_to_torch_lstm(decoder: SketchDecoder) -> list[Tensor]:
    """[W_ih (4H, 5), W_hh (4H, H), b_ih (4H,), b_hh (4H,)] in torch's i, f, g, o row order.

    Differentiable in the decoder's ``cell.weight`` and ``cell.bias``.
    """
    cell, hidden = decoder.cell, decoder.hidden_size
    blocks = torch.arange(4 * hidden, device=cell.weight.device).view(4, hidden)  # i, j, f, o
    order = blocks[[0, 2, 1, 3]].reshape(-1)  # (4H,) i, f, j(=g), o
    weight = cell.weight.index_select(1, order).t()  # (4H, 5 + H)
    w_ih = weight[:, : cell.input_size].contiguous()  # (4H, 5)
    w_hh = weight[:, cell.input_size :].contiguous()  # (4H, H)
    b_ih = cell.gate_bias().index_select(0, order)  # (4H,) forget bias included
    return [w_ih, w_hh, b_ih, torch.zeros_like(b_ih)]


def teacher_forced(decoder: SketchDecoder, inputs: Tensor) -> tuple[Tensor, Tensor]:
    """(z (B, T, 123), h (B, T, H)) for inputs (B, T, 5), from the zero state, differentiable.

    Same values as :meth:`SketchDecoder.forward` up to float32 summation order (~3e-5 on z).
    """
    batch = inputs.shape[0]
    zeros = inputs.new_zeros(1, batch, decoder.hidden_size)  # (layers, B, H)
    h, _, _ = torch.lstm(
        inputs,
        (zeros, zeros),
        magenta_to_torch_lstm(decoder),
        True,  # has_biases
        1,  # num_layers
        0.0,  # dropout
        False,  # train: no dropout anyway; autograd does not depend on it
        False,  # bidirectional
        True,  # batch_first
    )  # (B, T, H)
    return decoder.head(h), h


def tempered(z: Tensor, temperature: Tensor) -> Tensor:
    """Head outputs z (B, T, 123) rewritten for sampling temperature (B,) (module docstring).

    Logits are divided by ``0.5 + 0.5 τ`` (the JS library's softmax temperature) and log sigmas
    shifted by ``0.5 log τ``; ``split_mixture``'s exp then gives sigma * sqrt(τ).
    """
    num_mixture = (z.shape[-1] - NUM_PEN_STATES) // 6
    logits_end = NUM_PEN_STATES + num_mixture  # pen logits, then pi logits
    sigma_end = NUM_PEN_STATES + 5 * num_mixture  # ... mu_x, mu_y, log sigma_x, log sigma_y
    divisor = (0.5 + 0.5 * temperature)[:, None, None]  # (B, 1, 1)
    log_scale = (0.5 * torch.log(temperature.clamp_min(1e-6)))[:, None, None]  # (B, 1, 1)
    return torch.cat(
        [
            z[..., :logits_end] / divisor,  # (B, T, 3 + M)
            z[..., logits_end : logits_end + 2 * num_mixture],  # (B, T, 2M) means unchanged
            z[..., logits_end + 2 * num_mixture : sigma_end] + log_scale,  # (B, T, 2M)
            z[..., sigma_end:],  # (B, T, M) correlations unchanged
        ],
        dim=-1,
    )


def drawing_log_likelihood(z: Tensor, batch: Batch, *, use_temperature: bool) -> Tensor:
    """(B,) float64 log-likelihood of each drawing in nats: minus the sum of its steps' NLL.

    z: (B, T, 123) from :func:`teacher_forced` for ``batch.inputs``. With ``use_temperature``
    each drawing is scored under the distribution it was sampled from (its own temperature).
    """
    if use_temperature:
        z = tempered(z, batch.temperature.to(z.device))
    targets = batch.targets.to(z.device)
    offset_nll, pen_nll = step_nll(z, targets)  # (B, T) each
    is_point = targets[..., 2] != PEN_END  # (B, T): the end state has no offset
    per_step = torch.where(is_point, offset_nll, 0.0) + pen_nll  # (B, T)
    return -(per_step * batch.valid.to(z.device)).sum(dim=1)  # (B,)


def trainable_copy(base: SketchDecoder) -> SketchDecoder:
    """A fresh decoder with ``base``'s weights, in train mode, every weight requiring grad.

    Built through ``load_state_dict`` (a copy), so ``base`` is never touched, even when its
    tensors were created under ``inference_mode``. The cell's weights are buffers (the module
    was written for inference); they are made leaves that require grad all the same.
    """
    copy = SketchDecoder(
        hidden_size=base.hidden_size,
        num_mixture=base.num_mixture,
        scale_factor=base.scale_factor,
        max_seq_len=base.max_seq_len,
        model_sha256=base.model_sha256,
        name=base.name,
    ).to(base.head.weight.device)
    copy.load_state_dict(base.state_dict())
    for tensor in weights(copy):
        tensor.requires_grad_(True)
    return copy.train()


def weights(decoder: SketchDecoder) -> list[Tensor]:
    """Every trainable tensor: cell weight and bias (buffers), head weight and bias."""
    return [decoder.cell.weight, decoder.cell.bias, decoder.head.weight, decoder.head.bias]


def frozen(decoder: SketchDecoder) -> SketchDecoder:
    """``decoder`` in eval mode with ``requires_grad`` off everywhere, as the sampler expects."""
    for tensor in weights(decoder):
        tensor.requires_grad_(False)
        tensor.grad = None
    return decoder.eval()
