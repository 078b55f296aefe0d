"""Counter-based random numbers: every draw is a pure function of (seed, step, draw index).

Why not ``torch.Generator``: a generator's stream is shared by every row of a batch, so what a face
gets would depend on which other faces were drawn beside it and in which slot. Here each face owns
a stream addressed by a counter, so a face drawn alone, in a batch of 1024, or in a recycled slot
of the sampler sees exactly the same numbers, on any device.

The hash is ``lowbias32`` (Chris Wellons' hash-prospector, 2018): xor-shift / multiply rounds on
32-bit words. Torch has no uint32 arithmetic, so words live in int64 and every product is reduced
mod 2**32 with a mask. Multiplying by ``c - 2**32`` instead of a constant ``c >= 2**31`` gives the
same result mod 2**32 while keeping each product inside int64 (no signed overflow anywhere).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

_MASK32 = 0xFFFFFFFF
# lowbias32 multipliers, the second written as c - 2**32 so that |word * c| < 2**63.
_M1 = 0x7FEB352D
_M2 = 0x846CA68B - (1 << 32)
_SEED_SALT = 0x5BD1E995  # separates the seed hash from the counter hash
_DRAW_STRIDE = 0x9E3779B9  # golden-ratio increment: spreads draw indices over the 32-bit space
_TWO_PI = 2.0 * math.pi


def hash32(x: Tensor) -> Tensor:
    """lowbias32 of int64 tensor ``x`` holding values in [0, 2**32); same shape, same range."""
    x = x ^ (x >> 16)
    x = (x * _M1) & _MASK32
    x = x ^ (x >> 15)
    x = (x * _M2) & _MASK32
    return x ^ (x >> 16)


def face_keys(seeds: Tensor) -> Tensor:
    """Per-face stream keys from int64 ``seeds`` (any value): (B,) int64 in [0, 2**32)."""
    lo = seeds & _MASK32
    hi = (seeds >> 32) & _MASK32  # arithmetic shift, then masked: negative seeds are fine
    return hash32(hash32(lo ^ _SEED_SALT) ^ hi)


def counter_words(steps: int, num_draws: int, device: torch.device | None = None) -> Tensor:
    """Hashed counters for every (step, draw): (steps, num_draws) int64 in [0, 2**32).

    They do not depend on the face, so the sampler computes them once per call and each step
    costs one gather and one hash instead of two hashes.
    """
    counters = torch.arange(steps * num_draws, device=device, dtype=torch.int64)  # (S * D,)
    return hash32((counters * _DRAW_STRIDE) & _MASK32).view(steps, num_draws)


def uniforms_from_words(keys: Tensor, words: Tensor) -> Tensor:
    """keys (B,) and per-face counter words (B, D) -> (B, D) float32 uniforms in (0, 1)."""
    mixed = hash32(keys[:, None] ^ words)  # (B, D) in [0, 2**32)
    # Top 24 bits + 0.5: exactly representable in float32, never 0 or 1 (Box-Muller takes a log).
    return ((mixed >> 8).to(torch.float32) + 0.5) * (1.0 / (1 << 24))


def uniforms(keys: Tensor, steps: Tensor, num_draws: int) -> Tensor:
    """Uniform draws in the open interval (0, 1) for each face at its own step counter.

    keys: (B,) int64 from :func:`face_keys`; steps: (B,) int64 (each face's step index, not the
    batch's). Returns (B, num_draws) float32: draw ``d`` of face ``b`` depends only on
    (keys[b], steps[b], d). Seeds in [0, 2**32) get distinct keys (the hash is a bijection).
    """
    draws = torch.arange(num_draws, device=keys.device, dtype=torch.int64)  # (D,)
    counters = (steps[:, None] * num_draws + draws[None, :]) * _DRAW_STRIDE  # (B, D)
    return uniforms_from_words(keys, hash32(counters & _MASK32))


def normal_pair(u1: Tensor, u2: Tensor) -> tuple[Tensor, Tensor]:
    """Two independent standard normals from two uniforms in (0, 1) (Box-Muller, 1958)."""
    radius = torch.sqrt(-2.0 * torch.log(u1))
    angle = _TWO_PI * u2
    return radius * torch.cos(angle), radius * torch.sin(angle)
