"""generator.mixture_draw: temperature applied to the mixture head as @magenta/sketch does."""

from __future__ import annotations

import math

import torch

from generator.mixture_draw import temperature_adjusted
from generator.model import MixtureParams


def _params(pen: list[float], pi: list[float]) -> MixtureParams:
    m = len(pi)
    return MixtureParams(
        pen_logits=torch.tensor(pen),
        pi_logits=torch.tensor(pi),
        mu_x=torch.zeros(m),
        mu_y=torch.zeros(m),
        sigma_x=torch.full((m,), 2.0),
        sigma_y=torch.full((m,), 0.5),
        corr=torch.zeros(m),
    )


def test_temperature_adjusted_follows_the_js_convention() -> None:
    params = _params([1.0, 0.0, -1.0], [0.5, 2.0])
    pi, pen, sigma_x, sigma_y = temperature_adjusted(params, 0.25)
    divisor = 0.5 + 0.5 * 0.25  # logits / (0.5 + 0.5 tau)
    torch.testing.assert_close(pen, torch.softmax(torch.tensor([1.0, 0.0, -1.0]) / divisor, 0))
    torch.testing.assert_close(pi, torch.softmax(torch.tensor([0.5, 2.0]) / divisor, 0))
    torch.testing.assert_close(sigma_x, torch.full((2,), 2.0 * math.sqrt(0.25)))
    torch.testing.assert_close(sigma_y, torch.full((2,), 0.5 * math.sqrt(0.25)))


def test_a_softmax_temperature_overrides_the_logit_divisor() -> None:
    params = _params([1.0, 0.0, -1.0], [0.5, 2.0])
    _, pen, sigma_x, _ = temperature_adjusted(params, 0.25, softmax_temperature=2.0)
    torch.testing.assert_close(pen, torch.softmax(torch.tensor([1.0, 0.0, -1.0]) / 2.0, 0))
    torch.testing.assert_close(sigma_x, torch.full((2,), 1.0))


def test_zero_temperatures_mean_argmax_and_the_means() -> None:
    params = _params([1.0, 3.0, -1.0], [0.5, 2.0])
    pi, pen, sigma_x, sigma_y = temperature_adjusted(params, 0.0, softmax_temperature=0.0)
    assert pen.tolist() == [0.0, 1.0, 0.0] and pi.tolist() == [0.0, 1.0]
    assert not sigma_x.any() and not sigma_y.any()
