"""One point from the decoder's mixture head: temperature as @magenta/sketch applies it, then an
inverse-CDF draw of the Gaussian component and the pen state and a correlated bivariate normal
offset, all from uniforms the caller supplies (generator.rng's per-face streams), so a point
is a pure function of the head output, the temperature and those uniforms."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from generator import rng
from generator.model import MixtureParams, split_mixture


def temperature_adjusted(
    params: MixtureParams, temperature: float, softmax_temperature: float | None = None
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Apply sampling temperature the way @magenta/sketch does; returns probabilities.

    pi and pen logits are divided by ``0.5 + 0.5 * temperature`` (or by ``softmax_temperature``
    when given) before the softmax; sigmas are multiplied by ``sqrt(temperature)`` (the variance
    scales with temperature). Python Magenta differs: it divides logits by ``temperature`` and
    multiplies sigmas by it. A softmax temperature of 0 means argmax (one-hot probabilities);
    a temperature of 0 makes the offsets the component means.

    Returns (pi_probs (..., M), pen_probs (..., 3), sigma_x (..., M), sigma_y (..., M)).
    """
    soft = softmax_divisor(temperature, softmax_temperature)
    pi_probs, pen_probs = (
        _tempered_softmax(p, soft) for p in (params.pi_logits, params.pen_logits)
    )
    sigma_scale = math.sqrt(temperature)
    return pi_probs, pen_probs, params.sigma_x * sigma_scale, params.sigma_y * sigma_scale


def softmax_divisor(temperature: float, softmax_temperature: float | None) -> float:
    """The logit divisor; raises ValueError for a negative (or nan) temperature."""
    if not temperature >= 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if softmax_temperature is None:
        return 0.5 + 0.5 * temperature
    if not softmax_temperature >= 0:
        raise ValueError(f"softmax_temperature must be >= 0, got {softmax_temperature}")
    return softmax_temperature


def _tempered_softmax(logits: Tensor, temperature: float) -> Tensor:
    if temperature == 0:  # the limit of softmax(l / t) as t -> 0: all mass on the argmax
        index = logits.argmax(dim=-1, keepdim=True)
        return torch.zeros_like(logits).scatter_(-1, index, 1.0)
    return torch.softmax(logits / temperature, dim=-1)


def categorical(probs: Tensor, u: Tensor) -> Tensor:
    """Inverse-CDF draw: probs (R, K), u (R,) in (0, 1) -> (R,) int64 index in [0, K)."""
    below = probs.cumsum(dim=-1) < u[:, None]  # (R, K): True for every bin left of the draw
    return below.sum(dim=-1).clamp_(max=probs.shape[-1] - 1)  # clamp: cumsum may end at 1-eps


def draw_point(
    z: Tensor, u: Tensor, temperature: float, softmax_temperature: float | None
) -> tuple[Tensor, Tensor, Tensor]:
    """Sample (dx, dy, pen) from head output z (R, 123) with uniforms u (R, 4); each (R,)."""
    params = split_mixture(z)
    pi_probs, pen_probs, sigma_x, sigma_y = temperature_adjusted(
        params, temperature, softmax_temperature
    )
    component = categorical(pi_probs, u[:, 0])  # (R,) Graves eq. 19: pick a Gaussian
    pen = categorical(pen_probs, u[:, 1])  # (R,) pen state p1 / p2 / p3
    stacked = torch.stack([params.mu_x, params.mu_y, sigma_x, sigma_y, params.corr], dim=1)
    chosen = stacked.gather(2, component.view(-1, 1, 1).expand(-1, 5, 1)).squeeze(2)  # (R, 5)
    mu_x, mu_y, s_x, s_y, corr = chosen.unbind(dim=1)  # (R,) each
    n1, n2 = rng.normal_pair(u[:, 2], u[:, 3])  # (R,) independent N(0, 1)
    # Correlated bivariate normal (Graves eq. 24): dy = mu_y + s_y (rho n1 + sqrt(1 - rho^2) n2)
    dx = mu_x + s_x * n1
    dy = mu_y + s_y * (corr * n1 + torch.sqrt(1.0 - corr * corr) * n2)
    return dx, dy, pen
