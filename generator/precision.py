"""Sampling precision: float32, or bfloat16 where the hardware multiplies it natively.

A *precision* names the dtype of the decoder's two matmuls (``[x, h] @ W`` and the head). Only
the matmul operands are reduced: every product is accumulated in float32 inside the kernel, the
biases are added in float32, and the cell state ``c``, the gate nonlinearities, the mixture
parameters and the random draws all stay float32. Rounding the operands costs little accuracy
(see the README's quality figures, ``python -m generator quality``); rounding ``c`` would
compound over the 100-odd steps of a face.

Choice: :func:`resolve_precision` maps ``"auto"`` (or None) to ``"bfloat16"`` on a CPU whose
instruction set multiplies bfloat16 natively (x86 AVX512_BF16 or AMX-BF16, Arm's BF16
extension), through oneDNN (``torch.backends.mkldnn``), and to ``"float32"`` everywhere else:
CPUs without those instructions emulate bfloat16 no faster than float32, and on CUDA the
sampler is latency-bound, so nothing was gained there to justify the rounding. An explicit
``"bfloat16"`` is honoured on any device (it reproduces a face drawn that way elsewhere).

The resolved name is part of a face's identity: the same (model, seed, temperature, precision)
gives the same strokes on a given CPU, but float32 and bfloat16 faces differ.
"""

from __future__ import annotations

import torch

FLOAT32, BFLOAT16 = "float32", "bfloat16"
PRECISIONS = (FLOAT32, BFLOAT16)
AUTO = "auto"
_DTYPES = {FLOAT32: torch.float32, BFLOAT16: torch.bfloat16}
# torch.cpu.get_capabilities() keys that mean native bfloat16 dot products (x86, then Arm).
_NATIVE_BF16_FEATURES = ("avx512_bf16", "amx_bf16", "bf16")


def cpu_has_native_bfloat16() -> bool:
    """True when oneDNN is available and the CPU has bfloat16 dot-product instructions."""
    if not torch.backends.mkldnn.is_available():
        return False
    capabilities = getattr(torch.cpu, "get_capabilities", None)
    if capabilities is None:  # torch < 2.9: the coarser check (AVX-512 core counts as bf16)
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    found = capabilities()
    return any(bool(found.get(feature, False)) for feature in _NATIVE_BF16_FEATURES)


def resolve_precision(
    precision: str | None, device: str | torch.device = "cpu", *, native_bf16: bool | None = None
) -> str:
    """The precision to sample with: ``precision`` itself, or the automatic choice.

    precision: "float32", "bfloat16", "auto" or None (= auto). device: where sampling runs;
    auto picks bfloat16 only on a CPU with native support. native_bf16: overrides the CPU
    check (tests force it either way). Raises ValueError for an unknown name.
    """
    if precision is None or precision == AUTO:
        if torch.device(device).type != "cpu":
            return FLOAT32
        native = cpu_has_native_bfloat16() if native_bf16 is None else native_bf16
        return BFLOAT16 if native else FLOAT32
    if precision not in PRECISIONS:
        choices = ", ".join((AUTO, *PRECISIONS))
        raise ValueError(f"precision must be one of {choices}, got {precision!r}")
    return precision


def matmul_dtype(precision: str) -> torch.dtype:
    """The operand dtype of the decoder's matmuls for a resolved precision."""
    try:
        return _DTYPES[precision]
    except KeyError:
        raise ValueError(f"not a resolved precision: {precision!r}") from None
