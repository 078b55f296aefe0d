"""generator.precision: which precision sampling uses, and the fallback to float32."""

from __future__ import annotations

import pytest
import torch

from generator import precision
from generator.precision import BFLOAT16, FLOAT32, matmul_dtype, resolve_precision


def test_auto_picks_bfloat16_on_a_cpu_that_multiplies_it_natively() -> None:
    assert resolve_precision("auto", "cpu", native_bf16=True) == BFLOAT16
    assert resolve_precision(None, "cpu", native_bf16=True) == BFLOAT16


def test_auto_falls_back_to_float32_on_a_cpu_without_native_bfloat16() -> None:
    assert resolve_precision("auto", "cpu", native_bf16=False) == FLOAT32


def test_auto_reads_the_cpu_features_and_falls_back_when_none_is_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_f": True})
    assert resolve_precision(None) == FLOAT32
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": True})
    assert resolve_precision(None) == BFLOAT16
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"amx_bf16": True})
    assert resolve_precision(None) == BFLOAT16


def test_without_onednn_auto_is_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": True})
    monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: False)
    assert not precision.cpu_has_native_bfloat16()
    assert resolve_precision("auto") == FLOAT32


def test_auto_is_float32_off_the_cpu_and_explicit_names_are_kept() -> None:
    assert resolve_precision("auto", "cuda", native_bf16=True) == FLOAT32
    assert resolve_precision("auto", torch.device("meta"), native_bf16=True) == FLOAT32
    for name in (FLOAT32, BFLOAT16):
        assert resolve_precision(name, "cpu", native_bf16=False) == name
        assert resolve_precision(name, "cuda") == name


def test_unknown_precisions_are_rejected() -> None:
    with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16"):
        resolve_precision("float16")
    with pytest.raises(ValueError, match="not a resolved precision"):
        matmul_dtype("auto")
    assert matmul_dtype(BFLOAT16) == torch.bfloat16 and matmul_dtype(FLOAT32) == torch.float32
