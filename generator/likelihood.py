"""How likely the model finds a drawing: negative log-likelihood per step, stroke and drawing.

The reconstruction loss of Ha & Eck (2017) evaluated on a given drawing, teacher-forced from the
zero state at temperature 1. Colin Morris's "bad flamingos" essay ranks Quick, Draw! drawings by
this kind of typicality: a low NLL per step means "drawn the way most people draw it".

For a drawing of n points (stroke-3, NORMALISED units) the model reads S0, p_0, ..., p_{n-1} and
predicts p_0, ..., p_{n-1} and then the end state. Step k (k < n) costs

    offset NLL  -log sum_j pi_j N(dx_k, dy_k | mu_j, sigma_j, rho_j)   (Graves 2013, eqs. 23-26)
  + pen NLL     -log softmax(pen_logits)[pen state of p_k]              (cross-entropy)

and step n costs the pen NLL of the end state p3 only. Values are in nats; the offset density is
per normalised unit squared, so NLLs are comparable only between drawings in the same units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from generator.model import SketchDecoder, split_mixture
from generator.representation import POOLS, pool_states

_LOG_2PI = math.log(2.0 * math.pi)
# |rho| -> 1 makes the density degenerate; float32 tanh reaches 1.0 exactly for |x| > ~9.
_MIN_ONE_MINUS_RHO2 = 1e-6
PEN_DOWN, PEN_LIFT, PEN_END = 0, 1, 2  # pen-state indices (p1, p2, p3)


@dataclass(frozen=True)
class DrawingNLL:
    """Negative log-likelihood of one drawing, in nats (see the module docstring)."""

    total: float  # sum of per_step
    per_step: np.ndarray  # (n + 1,) float64: one value per point, then the end state
    per_stroke: np.ndarray  # (strokes,) float64: per_step summed over each stroke's points;
    # the end-state step counts towards the last stroke
    mean_per_step: float  # total / (n + 1)


def _check_drawing(index: int, drawing: np.ndarray) -> np.ndarray:
    arr = np.asarray(drawing, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"drawing {index}: expected stroke-3 of shape (n, 3), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"drawing {index}: contains non-finite values")
    return arr


def _stroke5_batch(drawings: list[np.ndarray]) -> tuple[Tensor, Tensor]:
    """Inputs (B, T, 5) = S0 + points, padded; targets (B, T, 3) = dx, dy, pen-state index."""
    steps = max(len(d) for d in drawings) + 1  # + the end state
    inputs = np.zeros((len(drawings), steps, 5), np.float32)
    inputs[:, 0, 2] = 1.0  # S0 = [0, 0, 1, 0, 0]
    targets = np.zeros((len(drawings), steps, 3), np.float32)
    targets[:, :, 2] = PEN_END  # the end state, and harmless padding past it
    for row, drawing in enumerate(drawings):
        n = len(drawing)
        pen = np.where(drawing[:, 2] > 0.5, PEN_LIFT, PEN_DOWN)  # (n,)
        targets[row, :n, :2] = drawing[:, :2]
        targets[row, :n, 2] = pen
        inputs[row, 1 : n + 1, :2] = drawing[:, :2]
        inputs[row, np.arange(1, n + 1), 2 + pen] = 1.0  # one-hot p1 / p2
    return torch.from_numpy(inputs), torch.from_numpy(targets)


def step_nll(
    z: Tensor, targets: Tensor, *, dtype: torch.dtype = torch.float64
) -> tuple[Tensor, Tensor]:
    """Per-step (offset NLL, pen NLL), each (B, T) in ``dtype``, for head output z (B, T, 123).

    targets: (B, T, 3) of (dx, dy, pen-state index). The offset NLL is computed for every step;
    callers mask it where the target is the end state. float32 (the sampler's, once per step
    for its whole working batch) runs 5x faster than float64 and agrees to about 3e-6.
    """
    params = split_mixture(z.to(dtype))
    dx, dy = targets[..., 0:1].to(dtype), targets[..., 1:2].to(dtype)  # (B, T, 1), broadcast on M
    one_minus_rho2 = (1.0 - params.corr**2).clamp_min(_MIN_ONE_MINUS_RHO2)  # (B, T, M)
    norm_x = (dx - params.mu_x) / params.sigma_x  # (B, T, M)
    norm_y = (dy - params.mu_y) / params.sigma_y
    # Graves eq. 25: Z = zx^2 + zy^2 - 2 rho zx zy; eq. 24: N = exp(-Z / 2(1-rho^2)) / norm
    big_z = norm_x**2 + norm_y**2 - 2.0 * params.corr * norm_x * norm_y
    log_density = (
        -big_z / (2.0 * one_minus_rho2)
        - _LOG_2PI
        - torch.log(params.sigma_x * params.sigma_y)
        - 0.5 * torch.log(one_minus_rho2)
    )  # (B, T, M)
    log_pi = torch.log_softmax(params.pi_logits, dim=-1)  # (B, T, M)
    offset_nll = -torch.logsumexp(log_pi + log_density, dim=-1)  # eq. 26, (B, T)
    log_pen = torch.log_softmax(params.pen_logits, dim=-1)  # (B, T, 3)
    pen_nll = -log_pen.gather(-1, targets[..., 2:3].long()).squeeze(-1)  # (B, T)
    return offset_nll, pen_nll


def summarise(per_step: np.ndarray, pen_lift: np.ndarray) -> DrawingNLL:
    """per_step (n + 1,) and the drawing's pen column (n,) -> :class:`DrawingNLL`."""
    n = len(pen_lift)
    total = float(per_step.sum())
    if n == 0:
        return DrawingNLL(total, per_step, np.zeros(0), total)
    lifted = pen_lift > 0.5
    stroke_of_point: np.ndarray = np.cumsum(lifted) - lifted  # strokes end at a lifted point
    stroke_of_step = np.append(stroke_of_point, stroke_of_point[-1])  # end state -> last stroke
    per_stroke = np.bincount(stroke_of_step, weights=per_step)
    return DrawingNLL(total, per_step, per_stroke, total / (n + 1))


@torch.inference_mode()
def drawing_nll(
    decoder: SketchDecoder, drawings: Sequence[np.ndarray], *, batch_size: int = 256
) -> list[DrawingNLL]:
    """NLL of each stroke-3 drawing (NORMALISED units) under ``decoder`` at temperature 1.

    Drawings are batched by similar length (padding only affects steps after a drawing's own
    end, because the LSTM is causal), so results do not depend on batch_size beyond float
    rounding. Returns one :class:`DrawingNLL` per drawing, in input order.
    """
    nlls, _ = _teacher_forced(decoder, drawings, batch_size, pool=False)
    return nlls


@torch.inference_mode()
def drawing_nll_and_states(
    decoder: SketchDecoder, drawings: Sequence[np.ndarray], *, batch_size: int = 256
) -> tuple[list[DrawingNLL], np.ndarray]:
    """:func:`drawing_nll` plus, from the same pass, each drawing's pooled LSTM states.

    The second value is (B, len(POOLS) * H) float32 from
    :func:`generator.representation.pool_states`, in input order: the decoder's reading of the
    drawing, before the representation's fixed projection.
    """
    nlls, pooled = _teacher_forced(decoder, drawings, batch_size, pool=True)
    assert pooled is not None
    return nlls, pooled


def _teacher_forced(
    decoder: SketchDecoder, drawings: Sequence[np.ndarray], batch_size: int, *, pool: bool
) -> tuple[list[DrawingNLL], np.ndarray | None]:
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    arrays = [_check_drawing(k, d) for k, d in enumerate(drawings)]
    device = decoder.head.weight.device
    order = sorted(range(len(arrays)), key=lambda k: len(arrays[k]))  # less padding per batch
    results: list[DrawingNLL | None] = [None] * len(arrays)
    pooled = np.zeros((len(arrays), len(POOLS) * decoder.hidden_size), np.float32)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        inputs, targets = _stroke5_batch([arrays[k] for k in chunk])
        z, h, c = decoder(inputs.to(device))  # (B, T, 123), (B, T, H), (B, T, H)
        offset_nll, pen_nll = step_nll(z, targets.to(device))  # (B, T) each
        is_point = targets[..., 2].to(device) != PEN_END  # (B, T): the end state has no offset
        per_step = (torch.where(is_point, offset_nll, 0.0) + pen_nll).cpu().numpy()
        for row, k in enumerate(chunk):
            n = len(arrays[k])
            results[k] = summarise(per_step[row, : n + 1].copy(), arrays[k][:, 2])
        if pool:
            # State t follows input t: S0 at t = 0, point k at t = k + 1.
            after_point = inputs[..., 2:4].sum(-1).bool().to(device)  # (B, T) p1 or p2 input
            after_point[:, 0] = False  # S0 is not a point
            lifts = inputs[..., 3].bool().to(device)  # (B, T) the point lifted the pen
            pooled[chunk] = pool_states(h, c, after_point, lifts).cpu().numpy()
    return [r for r in results if r is not None], pooled if pool else None
