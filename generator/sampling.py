"""Batched, reproducible sampling of faces from a :class:`~generator.model.SketchDecoder`.

Reproducibility contract: a face is a pure function of (model sha256, seed, temperature,
softmax_temperature, max_seq_len, precision) on a given CPU. Batch size, the other seeds and
the slot a face lands in do not matter, because

- random draws come from a per-face counter-based stream (``generator.rng``) addressed by the
  face's own step index, never from a shared generator;
- the working batch always has a multiple of :data:`~generator.sampler_run.ROW_ALIGN` rows (its
  precision's). The CPU kernels compute each row bit-identically for such row counts but not for
  others (measured with torch 2.13: MKL's sgemm differs for 1-3 or 5-7 rows; on a newer AVX-512
  CPU, one with AVX512-FP16, 8-row batches still differed in the last bit somewhere in the step,
  16-row ones did not), so a face drawn alone is padded to 16 rows. oneDNN's bfloat16 matmul is
  row-invariant the same way, but in blocks of 32 rows on one thread (16 were enough on two), so
  bfloat16 pads to 32. ``test_sampling`` checks this on the machine it runs on; other BLAS
  builds (and cuBLAS, which picks kernels by shape) may only guarantee it for a fixed batch
  size. Float32 faces are also the same for any thread count; bfloat16 ones are not (oneDNN
  splits the bfloat16 sums differently on one thread), so a bfloat16 face is reproducible on a
  given CPU with a given ``torch.get_num_threads()``.

Precision (:mod:`generator.precision`): "float32" by default, so a call's result does not depend
on the machine; "bfloat16" runs both matmuls with bfloat16 operands (float32 accumulation, state
and sampling math; :mod:`generator.step`), about twice as fast on CPUs with native bfloat16;
"auto" picks bfloat16 exactly there. Float32 and bfloat16 faces for the same seed differ.

Start: by default a face starts from the zero state and S0; ``start`` (a :class:`StartState`,
made by :mod:`generator.priming`) starts every face of a call from the given state and input
instead. Each face still draws from its own stream from step 0, so the contract above holds
with the start state added to it.

Speed: every step runs one fused ``[x, h] @ W`` matmul and one head matmul for all live slots.
A finished slot is refilled with the next pending seed; once none are pending the batch is
compacted, so steps are not spent on finished faces (apart from alignment padding); see
:mod:`generator.sampler_run`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from generator.mixture_draw import softmax_divisor
from generator.model import SketchDecoder
from generator.precision import FLOAT32, resolve_precision
from generator.sampler_run import SamplerRun
from generator.step import DecoderStep

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartState:
    """Where every face of a call starts instead of the zero state and S0 (float32, on the
    sampler's device): the first input ``x`` (5,) normalised stroke-5 and the state (h, c),
    each (H,), that reads it. In bfloat16, ``h`` holds the bfloat16-rounded h the sampler keeps
    (exact when cast back)."""

    x: Tensor  # (5,)
    h: Tensor  # (H,)
    c: Tensor  # (H,)


def _seed_tensor(seeds: Sequence[int], device: torch.device) -> Tensor:
    # Seeds are taken modulo 2**64 and stored as int64 two's complement (the stream key uses all
    # 64 bits), so negative seeds and seeds up to 2**64 - 1 are all distinct.
    wrapped = [(int(s) + (1 << 63)) % (1 << 64) - (1 << 63) for s in seeds]
    return torch.tensor(wrapped, dtype=torch.int64, device=device)


@torch.inference_mode()
def sample_faces(
    decoder: SketchDecoder,
    seeds: Sequence[int],
    temperature: float,
    *,
    softmax_temperature: float | None = None,
    max_seq_len: int | None = None,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    precision: str = FLOAT32,
    progress: Callable[[int], object] | None = None,
    start: StartState | None = None,
) -> list[np.ndarray]:
    """Draw one face per seed; returns stroke-3 float32 arrays (N_i, 3) in seed order.

    Each array holds (dx, dy, pen_lift) in NORMALISED units (multiply dx, dy by
    ``decoder.scale_factor`` for pixels); pen_lift = 1 on the last point of every stroke. The start
    token is dropped and the end state (p3) is not a point, so a face may be empty (0, 3).

    temperature / softmax_temperature: see :func:`temperature_adjusted`. max_seq_len: stop a face
    after this many points if it has not ended (default: the model's, 121 for face). batch_size:
    faces in progress at once. device: where to compute (default: the decoder's). progress:
    called with the number of faces just finished (e.g. ``tqdm(...).update``). Seeds are taken
    modulo 2**64; seeds in [0, 2**32) are guaranteed distinct random streams. precision:
    "float32", "bfloat16" or "auto" (see the module docstring). start: the state every face
    starts from (default: zero state, S0; see :mod:`generator.priming`).
    """
    faces, _, _ = _sample(
        decoder, seeds, temperature, softmax_temperature, max_seq_len, batch_size, device,
        precision, progress, track_nll=False, start=start,
    )  # fmt: skip
    return faces


@torch.inference_mode()
def sample_faces_with_nll(
    decoder: SketchDecoder,
    seeds: Sequence[int],
    temperature: float,
    *,
    softmax_temperature: float | None = None,
    max_seq_len: int | None = None,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    precision: str = FLOAT32,
) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """:func:`sample_faces`, plus each face's per-step NLL at temperature 1 as it was drawn.

    The sampler already holds the mixture parameters of every step, so the likelihood of the
    drawn point costs a few vector ops instead of the second decoder pass that
    :func:`generator.likelihood.drawing_nll` needs. Each array is (n + 1,) float64 nats, laid
    out as in ``drawing_nll`` (one value per point, then the end state's pen term); feed it to
    :func:`generator.likelihood.summarise`. A face cut at ``max_seq_len`` is measured as it
    is stored (last pen lifted, then the end state) from one extra step that reads its last
    point. In bfloat16 the NLL is the one the bfloat16 decoder assigns (within 1% of
    float32's, see ``python -m generator quality``).
    """
    faces, nlls, _ = _sample(
        decoder, seeds, temperature, softmax_temperature, max_seq_len, batch_size, device,
        precision, None, track_nll=True,
    )  # fmt: skip
    return faces, nlls


@torch.inference_mode()
def sample_faces_with_states(
    decoder: SketchDecoder,
    seeds: Sequence[int],
    temperature: float,
    *,
    batch_size: int = 256,
    precision: str = FLOAT32,
) -> tuple[list[np.ndarray], list[np.ndarray | None], list[np.ndarray | None]]:
    """:func:`sample_faces_with_nll`, plus each face's LSTM states pooled as it was drawn.

    The third list holds, per face, the (len(POOLS) * H,) float32 row that
    :func:`generator.likelihood.drawing_nll_and_states` pools from a teacher-forced pass over
    the finished drawing (:class:`generator.representation.StatePool`), so a representation
    scorer needs no second decoder pass for it, a face cut at max_seq_len included (the
    state after its lifted last point comes from the same extra step as its NLL).
    """
    faces, nlls, pooled = _sample(
        decoder, seeds, temperature, None, None, batch_size, None, precision, None,
        track_nll=True, pool_states=True,
    )  # fmt: skip
    return faces, nlls, pooled


def _sample(
    decoder: SketchDecoder,
    seeds: Sequence[int],
    temperature: float,
    softmax_temperature: float | None,
    max_seq_len: int | None,
    batch_size: int,
    device: str | torch.device | None,
    precision: str,
    progress: Callable[[int], object] | None,
    *,
    track_nll: bool,
    start: StartState | None = None,
    pool_states: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray | None], list[np.ndarray | None]]:
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    max_len = decoder.max_seq_len if max_seq_len is None else int(max_seq_len)
    if max_len < 1:
        raise ValueError(f"max_seq_len must be >= 1, got {max_len}")
    softmax_divisor(temperature, softmax_temperature)  # fail before any work
    device = decoder.head.weight.device if device is None else torch.device(device)
    resolved = resolve_precision(precision, device)
    if len(seeds) == 0:
        return [], [], []
    started = time.perf_counter()
    step = DecoderStep.from_decoder(decoder, resolved, device)
    run = SamplerRun(
        step,
        _seed_tensor(seeds, device),
        max_len,
        batch_size,
        device,
        track_nll=track_nll,
        start=start,
        pool_states=pool_states,
    )
    faces = run.sample(temperature, softmax_temperature, progress)
    logger.debug(
        "sampled %d faces in %.2f s: %d row-steps at batch %d in %s",
        len(faces),
        time.perf_counter() - started,
        run.row_steps,
        batch_size,
        resolved,
    )
    return faces, run.nlls, run.pooled
