"""Priming: faces that continue given strokes (the "magic sketchpad" trick, Ha & Eck 2017).

The decoder reads S0 and then the prime's points, teacher-forced, exactly as it reads a
training drawing; from the state it is left in, :func:`generator.sampling.sample_faces` keeps
sampling. Each face is the prime followed by what the network drew, so the prime's points are
the face's first points.

Units: primes and faces are stroke-3 ``(N, 3)`` ``[dx, dy, pen_lift]`` in NORMALISED units
(pixels divided by ``decoder.scale_factor``), as everywhere in ``generator``.

Reproducibility: a primed face is a pure function of (model, prime, seed, temperature,
precision) on a given CPU, with the sampler's contract (its batch size and slot do not
matter): the prime is read by the sampler's own kernels (:class:`generator.step.DecoderStep`)
at the same precision, and the continuation draws from the seed's stream from step 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from generator.model import SketchDecoder
from generator.precision import FLOAT32, resolve_precision
from generator.sampling import StartState, sample_faces
from generator.step import DecoderStep
from generator.strokes import START_TOKEN, stroke3_to_stroke5

# Points the network always has left after the prime: a prime that fills the model's
# max_seq_len (121 for face) would leave it nothing to draw.
MIN_CONTINUATION = 24
# Largest offset or extent, in normalised units (x 78.2 = about 2,350 px for face). The face
# model's own drawings span about 10.6 units (median; 13.2 the widest of 50 at temperature
# 0.3); far beyond, the decoder has never seen such offsets, and a huge coordinate is a
# client's mistake, not a drawing.
MAX_EXTENT = 30.0


def prime_max_points(max_seq_len: int) -> int:
    """The longest prime a model of ``max_seq_len`` steps accepts."""
    return max_seq_len - MIN_CONTINUATION


def prime_check(prime: object, max_seq_len: int) -> np.ndarray:
    """The prime as float32 stroke-3 ``(n, 3)``, normalised; ValueError (one line) if it is
    not usable: wrong shape, non-numeric or non-finite values, a pen column other than 0/1,
    no points, more than :func:`prime_max_points`, a last point that does not lift the pen
    (a prime ends a stroke), or offsets or an extent beyond :data:`MAX_EXTENT`."""
    try:
        arr = np.asarray(prime, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"the prime must be numbers: {error}") from None
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"the prime must have shape (n, 3), got {arr.shape}")
    if len(arr) == 0:
        raise ValueError("the prime has no points")
    if not np.isfinite(arr).all():
        raise ValueError("the prime holds NaN or infinite values")
    longest = prime_max_points(max_seq_len)
    if len(arr) > longest:
        raise ValueError(f"the prime has {len(arr)} points, more than {longest}")
    if not np.isin(arr[:, 2], (0.0, 1.0)).all():
        raise ValueError("the prime's pen column must hold only 0 or 1")
    if arr[-1, 2] != 1.0:
        raise ValueError("the prime's last point must lift the pen (end a stroke)")
    positions = np.cumsum(arr[:, :2], axis=0)  # (n, 2) absolute, from the first point's origin
    extent = max(np.abs(arr[:, :2]).max(), np.ptp(positions, axis=0).max())
    if extent > MAX_EXTENT:
        raise ValueError(f"the prime spans {extent:.1f} units, more than {MAX_EXTENT:g}")
    return arr.astype(np.float32)


def first_strokes(strokes3: np.ndarray, *, strokes: int = 2, max_points: int = 40) -> np.ndarray:
    """A face's opening: its first ``strokes`` strokes, leaving the network at least its last
    stroke (a one-stroke face gives its first half), cut at ``max_points`` with the pen lifted
    on the last point kept. Any units; ``(k, 3)`` with ``1 <= k``, or ``(0, 3)`` if empty."""
    arr = np.asarray(strokes3)
    if len(arr) == 0:
        return arr[:0].copy()
    ends = np.flatnonzero(arr[:, 2] == 1)  # indices of the points that end a stroke
    whole = min(strokes, len(ends) - 1)  # strokes that end before the face's last one
    length = int(ends[whole - 1]) + 1 if whole > 0 else max(1, len(arr) // 2)
    opening = arr[: min(length, max_points)].copy()
    opening[-1, 2] = 1
    return opening


@torch.inference_mode()
def prime_state(
    decoder: SketchDecoder,
    prime: np.ndarray,
    *,
    precision: str = FLOAT32,
    device: str | torch.device | None = None,
) -> StartState:
    """The state the decoder is in after reading S0 and ``prime`` (checked stroke-3, normalised)
    up to its last point, with that last point as the next input: the sampler's first step
    reads it and draws the point after the prime. ``precision`` is resolved here."""
    device = decoder.head.weight.device if device is None else torch.device(device)
    step = DecoderStep.from_decoder(decoder, resolve_precision(precision, device), device)
    inputs5 = stroke3_to_stroke5(prime)[:-1]  # (n, 5): the prime as stroke-5, end row dropped
    read = np.concatenate([START_TOKEN[None], inputs5[:-1]])  # (n, 5): S0, p_1 .. p_{n-1}
    tokens = torch.from_numpy(read).float().to(device)  # (n, 5)
    xh = step.new_inputs(1)  # (1, 5 + H [+ 1]) at S0, zero h
    c = torch.zeros(1, step.hidden_size, device=device)  # (1, H)
    gates, gates_lo = step.gate_buffers(1)
    for token in tokens:
        xh[0, :5] = token
        step.run(xh, c, gates, gates_lo)  # updates h (in xh) and c in place
    hidden = xh[0, 5 : 5 + step.hidden_size].float()  # (H,) as the sampler keeps it
    last = torch.from_numpy(inputs5[-1]).float().to(device)  # (5,) p_n as stroke-5
    return StartState(x=last, h=hidden.clone(), c=c[0].clone())


def sample_primed(
    decoder: SketchDecoder,
    prime: object,
    seeds: Sequence[int],
    temperature: float,
    *,
    softmax_temperature: float | None = None,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    precision: str = FLOAT32,
) -> list[np.ndarray]:
    """One face per seed that continues ``prime`` (stroke-3, normalised; see
    :func:`prime_check`, whose ValueError it raises); faces are float32 stroke-3, normalised,
    the prime's points first, at most ``decoder.max_seq_len`` points in all.

    temperature, softmax_temperature, batch_size, device, precision: as in
    :func:`generator.sampling.sample_faces`.
    """
    checked = prime_check(prime, decoder.max_seq_len)
    device = decoder.head.weight.device if device is None else torch.device(device)
    resolved = resolve_precision(precision, device)
    start = prime_state(decoder, checked, precision=resolved, device=device)
    continuations = sample_faces(
        decoder,
        seeds,
        temperature,
        softmax_temperature=softmax_temperature,
        max_seq_len=decoder.max_seq_len - len(checked),
        batch_size=batch_size,
        device=device,
        precision=resolved,
        start=start,
    )
    return [np.concatenate([checked, more]) for more in continuations]
