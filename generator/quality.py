"""Is a reduced precision as good as float32? Likelihoods and drawing statistics, side by side.

Three checks (``python -m generator quality``; figures in the README):

1. **Human drawings**: mean NLL per step of real Quick, Draw! faces, teacher-forced through the
   precision's own sampling kernels (:class:`generator.step.DecoderStep`), against float32's
   :func:`generator.likelihood.drawing_nll`. Relative difference, bound 1%.
2. **Base-model samples**: faces drawn at each precision from the same seeds, scored by the
   float32 model (are the bfloat16 faces as typical as the float32 ones?), and the float32
   faces scored by the reduced-precision model. Relative differences, bound 1%.
3. **Drawing statistics** of faces drawn from *disjoint* seeds (independent samples): points,
   strokes, width, height, ink length and NLL per step, each compared with a two-sample
   Kolmogorov-Smirnov test; the distributions are called indistinguishable when no p-value falls
   below ``alpha / 6`` (Bonferroni over the six statistics).

Seeds are fixed, so the figures are reproducible on a given CPU. NLL is in nats per step in
NORMALISED units (see :mod:`generator.likelihood`), mean per step averaged over drawings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from generator import strokes as stroke_formats
from generator.likelihood import PEN_END, _stroke5_batch, drawing_nll, step_nll, summarise
from generator.model import SketchDecoder
from generator.precision import FLOAT32
from generator.sampling import sample_faces
from generator.step import DecoderStep

NLL_BOUND = 0.01  # relative difference allowed between precisions (the 1%)
STATISTICS = ("points", "strokes", "width", "height", "ink_length", "nll_per_step")


def load_quickdraw(path: str | Path, scale_factor: float) -> list[np.ndarray]:
    """Quick, Draw! simplified ndjson -> normalised stroke-3 drawings, first delta zero.

    The first point is the drawing's origin: the model reads offsets, and S0 starts at rest.
    """
    drawings = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            pixels = stroke_formats.quickdraw_to_stroke3(json.loads(line)["drawing"])
            if len(pixels):
                pixels[0, :2] = 0.0
            drawings.append(stroke_formats.to_normalised(pixels, scale_factor))
    return drawings


@torch.inference_mode()
def drawing_nll_at(
    decoder: SketchDecoder, drawings: Sequence[np.ndarray], precision: str, batch_size: int = 256
) -> list[float]:
    """Mean NLL per step of each stroke-3 drawing (NORMALISED units) at ``precision``.

    Float32 uses :func:`generator.likelihood.drawing_nll`; other precisions teacher-force the
    drawings through the sampler's kernels for that precision.
    """
    if precision == FLOAT32:
        return [r.mean_per_step for r in drawing_nll(decoder, drawings, batch_size=batch_size)]
    device = decoder.head.weight.device
    step = DecoderStep.from_decoder(decoder, precision, device)
    means: list[float] = []
    for start in range(0, len(drawings), batch_size):
        chunk = [np.asarray(d, dtype=np.float64) for d in drawings[start : start + batch_size]]
        inputs, targets = _stroke5_batch(chunk)  # (B, T, 5), (B, T, 3)
        z = step.teacher_forced(inputs.to(device))  # (B, T, 123)
        offset_nll, pen_nll = step_nll(z, targets.to(device))  # (B, T) each
        is_point = targets[..., 2].to(device) != PEN_END  # (B, T)
        per_step = (torch.where(is_point, offset_nll, 0.0) + pen_nll).cpu().numpy()
        for row, drawing in enumerate(chunk):
            n = len(drawing)
            means.append(summarise(per_step[row, : n + 1], drawing[:, 2]).mean_per_step)
    return means


def drawing_statistics(drawing: np.ndarray) -> dict[str, float]:
    """Shape statistics of one normalised stroke-3 drawing (all but NLL)."""
    offsets = drawing[:, :2].astype(np.float64)  # (n, 2)
    pen = drawing[:, 2]  # (n,) 1 = the pen lifts after this point
    positions = np.cumsum(offsets, axis=0) if len(drawing) else np.zeros((1, 2))
    # Row k draws ink from point k - 1 to point k unless the pen lifted after point k - 1.
    drawn = np.concatenate([[False], pen[:-1] < 0.5]) if len(drawing) else np.zeros(0, bool)
    return {
        "points": float(len(drawing)),
        "strokes": float(pen.sum()),
        "width": float(np.ptp(positions[:, 0])),
        "height": float(np.ptp(positions[:, 1])),
        "ink_length": float(np.hypot(offsets[drawn, 0], offsets[drawn, 1]).sum()),
    }


def kolmogorov_sf(x: float) -> float:
    """P(K > x) for the Kolmogorov distribution: 2 * sum_k (-1)^(k-1) exp(-2 k^2 x^2)."""
    if x < 0.2:  # the series converges slowly here, and the tail probability is 1 to 1e-9
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * x * x) for k in range(1, 101))
    return min(1.0, max(0.0, 2.0 * total))


def ks_two_sample(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray
) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov test: (D, asymptotic two-sided p-value).

    D is the largest gap between the two empirical CDFs. The p-value uses the Kolmogorov limit
    with Stephens' small-sample correction, ``lambda = (sqrt(n_e) + 0.12 + 0.11 / sqrt(n_e)) D``
    with ``n_e = n m / (n + m)``. With ties (integer statistics) the test is conservative.
    """
    x, y = np.sort(np.asarray(a, float)), np.sort(np.asarray(b, float))
    if not len(x) or not len(y):
        raise ValueError("both samples must be non-empty")
    values = np.concatenate([x, y])
    gap = np.abs(
        np.searchsorted(x, values, side="right") / len(x)
        - np.searchsorted(y, values, side="right") / len(y)
    )
    d = float(gap.max())
    n_e = len(x) * len(y) / (len(x) + len(y))
    root = math.sqrt(n_e)
    return d, kolmogorov_sf((root + 0.12 + 0.11 / root) * d)


@dataclass(frozen=True)
class Comparison:
    """One figure at float32 and at the reduced precision."""

    name: str
    float32: float
    reduced: float

    @property
    def relative(self) -> float:
        """|reduced - float32| / |float32|."""
        return abs(self.reduced - self.float32) / abs(self.float32)


@dataclass(frozen=True)
class KSResult:
    statistic: str  # one of STATISTICS
    float32_mean: float
    reduced_mean: float
    d: float
    p_value: float


@dataclass(frozen=True)
class QualityReport:
    precision: str
    temperature: float
    samples: int  # faces per precision in the NLL check and per side in the KS tests
    nll: list[Comparison]  # mean NLL per step; bound NLL_BOUND each
    ks: list[KSResult]
    alpha: float

    @property
    def nll_ok(self) -> bool:
        return all(c.relative <= NLL_BOUND for c in self.nll)

    @property
    def indistinguishable(self) -> bool:
        return all(k.p_value >= self.alpha / len(self.ks) for k in self.ks)


def _with_nll(
    decoder: SketchDecoder, faces: list[np.ndarray], nlls: list[float]
) -> list[dict[str, float]]:
    return [drawing_statistics(f) | {"nll_per_step": n} for f, n in zip(faces, nlls, strict=True)]


def compare_precisions(
    decoder: SketchDecoder,
    precision: str,
    *,
    human: Sequence[np.ndarray] = (),
    samples: int = 512,
    temperature: float = 0.5,
    alpha: float = 0.05,
    batch_size: int = 256,
) -> QualityReport:
    """Run the three checks of the module docstring for ``precision`` against float32.

    human: normalised stroke-3 drawings (e.g. :func:`load_quickdraw`); skipped when empty.
    samples: faces per precision (seeds 0..samples-1 for the NLL checks; the KS tests draw
    float32 faces from those seeds and reduced-precision faces from the next ``samples``).
    """
    nll: list[Comparison] = []
    if human:
        nll.append(
            Comparison(
                "human drawings",
                float(np.mean(drawing_nll_at(decoder, human, FLOAT32, batch_size))),
                float(np.mean(drawing_nll_at(decoder, human, precision, batch_size))),
            )
        )
    seeds = list(range(samples))
    drawn = {
        p: sample_faces(decoder, seeds, temperature, batch_size=batch_size, precision=p)
        for p in (FLOAT32, precision)
    }
    # Every NLL here is of a sampled face under one model: the faces' own typicality.
    f32_by_f32 = drawing_nll_at(decoder, drawn[FLOAT32], FLOAT32, batch_size)
    lo_by_f32 = drawing_nll_at(decoder, drawn[precision], FLOAT32, batch_size)
    f32_by_lo = drawing_nll_at(decoder, drawn[FLOAT32], precision, batch_size)
    reference = float(np.mean(f32_by_f32))
    nll.append(Comparison("samples, float32 model", reference, float(np.mean(lo_by_f32))))
    nll.append(Comparison("float32 samples, each model", reference, float(np.mean(f32_by_lo))))
    others = range(samples, 2 * samples)
    independent = sample_faces(
        decoder, others, temperature, batch_size=batch_size, precision=precision
    )
    side_a = _with_nll(decoder, drawn[FLOAT32], f32_by_f32)
    side_b = _with_nll(
        decoder, independent, drawing_nll_at(decoder, independent, FLOAT32, batch_size)
    )
    ks = []
    for name in STATISTICS:
        a, b = [s[name] for s in side_a], [s[name] for s in side_b]
        d, p = ks_two_sample(a, b)
        ks.append(KSResult(name, float(np.mean(a)), float(np.mean(b)), d, p))
    return QualityReport(precision, temperature, samples, nll, ks, alpha)


def format_report(report: QualityReport) -> str:
    """Two markdown tables: the NLL comparisons, then the two-sample tests."""
    lines = [
        f"| mean NLL per step (nats) | float32 | {report.precision} | difference |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {c.name} | {c.float32:.4f} | {c.reduced:.4f} | {100 * c.relative:.2f}% |"
        for c in report.nll
    ]
    verdict = "within" if report.nll_ok else "NOT within"
    lines += [f"NLL: {verdict} {100 * NLL_BOUND:.0f}% of float32", ""]
    lines += [
        f"| statistic ({report.samples} faces each, T={report.temperature}) | float32 mean "
        f"| {report.precision} mean | KS D | p |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {k.statistic} | {k.float32_mean:.3f} | {k.reduced_mean:.3f} | {k.d:.3f} "
        f"| {k.p_value:.3f} |"
        for k in report.ks
    ]
    threshold = report.alpha / len(report.ks)
    verdict = "indistinguishable" if report.indistinguishable else "DIFFERENT"
    lines.append(f"Drawing statistics: {verdict} (every p >= {threshold:.4f}, alpha/6)")
    return "\n".join(lines)
