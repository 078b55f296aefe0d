"""Read and validate Magenta's sketch-rnn ``*.gen.json`` decoder weights.

The file is a JSON array ``[info, shapes, weights]`` (see shared/models/README.md):

- ``info``: ``{"name", "scale_factor", "max_seq_len", ...}``; ``scale_factor`` converts normalised
  stroke units to Quick, Draw! pixels (multiply), ``max_seq_len`` is the longest training sequence.
- ``shapes``: exactly ``EXPECTED_SHAPES`` (output kernel, output bias, LSTM input kernel x->gates,
  LSTM recurrent kernel h->gates, LSTM bias). Other architectures (layer-norm, hyper-LSTM,
  conditional VAE) have different lists and are rejected.
- ``weights[k]``: base64 of little-endian int16; float value = ``int16 * 10.0 / 32767``.

Every failure raises :class:`ModelFileError` with a one-line message saying what is wrong, so the
CLI and the Django system check can show it without a traceback.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# [512,123] output kernel, [123] output bias, [5,2048] x->gates, [512,2048] h->gates, [2048] bias.
EXPECTED_SHAPES: list[list[int]] = [[512, 123], [123], [5, 2048], [512, 2048], [2048]]
_WEIGHT_NAMES = ("output_kernel", "output_bias", "input_kernel", "recurrent_kernel", "lstm_bias")
# Magenta's JS exporter quantises each weight w in [-10, 10] to round(w / 10 * 32767) as int16.
_DEQUANT = 10.0 / 32767.0


class ModelFileError(ValueError):
    """The model file is missing, unreadable or malformed; ``str(err)`` is one line."""


@dataclass(frozen=True, eq=False)  # eq=False: == on numpy fields would raise; compare sha256
class ModelFile:
    """Decoded weights of an unconditional sketch-rnn LSTM decoder (float32, Magenta layout).

    LSTM gate columns are in Magenta order i, j, f, o (512 wide each); see ``generator.rnn``.
    """

    name: str  # Quick, Draw! category, e.g. "face"
    scale_factor: float  # normalised units -> Quick, Draw! pixels (multiply): 78.2 for face
    max_seq_len: int  # longest training sequence in steps (121 for face)
    sha256: str  # hex digest of the file bytes: identifies the model for reproducibility
    info: dict = field(repr=False)  # the raw info object, unchanged
    output_kernel: np.ndarray = field(repr=False)  # (512, 123) h -> mixture params
    output_bias: np.ndarray = field(repr=False)  # (123,)
    input_kernel: np.ndarray = field(repr=False)  # (5, 2048) x -> gates
    recurrent_kernel: np.ndarray = field(repr=False)  # (512, 2048) h -> gates
    lstm_bias: np.ndarray = field(repr=False)  # (2048,), forget bias 1.0 NOT included


def _positive_number(info: dict, key: str) -> float:
    value = info.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelFileError(f"info.{key} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ModelFileError(f"info.{key} must be finite and positive, got {value!r}")
    return float(value)


def _parse_info(info: object) -> tuple[str, float, int]:
    if not isinstance(info, dict):
        raise ModelFileError(f"info (element 0) must be an object, got {type(info).__name__}")
    name = info.get("name")
    if not isinstance(name, str) or not name:
        raise ModelFileError(f"info.name must be a non-empty string, got {name!r}")
    scale_factor = _positive_number(info, "scale_factor")
    max_seq_len = _positive_number(info, "max_seq_len")
    if max_seq_len != int(max_seq_len):
        raise ModelFileError(f"info.max_seq_len must be an integer, got {max_seq_len!r}")
    return name, scale_factor, int(max_seq_len)


def _decode_weight(index: int, encoded: object, shape: list[int]) -> np.ndarray:
    label = f"weights[{index}] ({_WEIGHT_NAMES[index]}, shape {shape})"
    if not isinstance(encoded, str):
        raise ModelFileError(f"{label} must be a base64 string, got {type(encoded).__name__}")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ModelFileError(f"{label} is not valid base64: {err}") from None
    expected = 2 * math.prod(shape)  # int16 = 2 bytes per value
    if len(raw) != expected:
        raise ModelFileError(f"{label} decodes to {len(raw)} bytes, expected {expected}")
    values = np.frombuffer(raw, dtype="<i2").astype(np.float32) * np.float32(_DEQUANT)
    # int16 cannot encode inf/nan, but guard the invariant the model relies on anyway.
    if not np.isfinite(values).all():
        raise ModelFileError(f"{label} contains non-finite values")
    return values.reshape(shape)


def parse_model_json(data: bytes) -> ModelFile:
    """Parse the bytes of a ``.gen.json`` file; ``sha256`` is computed over ``data`` as given."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as err:
        raise ModelFileError(f"not UTF-8 text: {err.reason} at byte {err.start}") from None
    except json.JSONDecodeError as err:
        # A cut-off download fails at the very end, or inside the last (unterminated) string.
        truncated = err.pos >= len(data.rstrip()) or err.msg.startswith("Unterminated string")
        hint = " (file truncated?)" if truncated else ""
        raise ModelFileError(f"not valid JSON{hint}: {err}") from None
    if not isinstance(doc, list) or len(doc) != 3:
        got = f"an array of {len(doc)}" if isinstance(doc, list) else type(doc).__name__
        raise ModelFileError(f"expected a JSON array [info, shapes, weights], got {got}")
    info, shapes, weights = doc
    name, scale_factor, max_seq_len = _parse_info(info)
    if shapes != EXPECTED_SHAPES:
        raise ModelFileError(
            f"unsupported weight shapes: expected {EXPECTED_SHAPES} "
            f"(LSTM decoder, 512 units, 20 mixtures), got {json.dumps(shapes)}"
        )
    if not isinstance(weights, list) or len(weights) != len(EXPECTED_SHAPES):
        got = f"{len(weights)} entries" if isinstance(weights, list) else type(weights).__name__
        raise ModelFileError(f"weights (element 2) must be a list of 5 strings, got {got}")
    arrays = [_decode_weight(k, w, s) for k, (w, s) in enumerate(zip(weights, shapes, strict=True))]
    return ModelFile(name, scale_factor, max_seq_len, digest, info, *arrays)


def load_model_file(path: str | Path) -> ModelFile:
    """Read and validate ``path``; raises :class:`ModelFileError` for any problem, I/O included."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ModelFileError("file not found") from None
    except IsADirectoryError:
        raise ModelFileError("is a directory, not a model file") from None
    except OSError as err:
        raise ModelFileError(f"cannot read file: {err.strerror or err}") from None
    if not data:
        raise ModelFileError("file is empty")
    return parse_model_json(data)
