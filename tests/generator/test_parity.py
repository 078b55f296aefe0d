"""Numerical parity of the PyTorch decoder with the reference JS library @magenta/sketch 0.2.0.

The golden file ``golden/face_parity.json`` was written by ``tools/magenta-js/parity.mjs``
(schema and regeneration command in ``golden/README.md``): one fixed stroke-5 sequence
teacher-forced through the library's ``update()`` from the zero state, with the LSTM state (h, c)
at a subset of steps and ``getPDF()`` after every step at a few temperatures. Node is not needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from generator.mixture_draw import temperature_adjusted
from generator.model import SketchDecoder, split_mixture
from generator.modelfile import ModelFile, load_model_file

GOLDEN_PATH = Path(__file__).parent / "golden" / "face_parity.json"
# The golden values are float32 results rounded to 7 significant digits; an independent numpy
# float32 implementation matches them to 2.5e-6, so 1e-4 leaves room for summation-order noise.
TOLERANCE = 1e-4
PATHS = ("step", "forward")


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN_PATH.read_text())


@pytest.fixture(scope="module")
def model_file(face_model_path: Path) -> ModelFile:
    return load_model_file(face_model_path)


@pytest.fixture(scope="module")
def decoder(model_file: ModelFile) -> SketchDecoder:
    return SketchDecoder.from_model_file(model_file).eval()


@pytest.fixture(scope="module")
def runs(decoder: SketchDecoder, golden: dict) -> dict[str, dict[str, torch.Tensor]]:
    """z (T, 123), h (T, 512), c (T, 512) for the golden inputs, by ``step`` and by ``forward``."""
    x = torch.tensor(golden["inputs_stroke5"], dtype=torch.float32)  # (T, 5) normalised
    with torch.no_grad():
        h, c = decoder.initial_state(1)  # (1, 512) each
        stepped: dict[str, list[torch.Tensor]] = {"z": [], "h": [], "c": []}
        for x_t in x:
            z, (h, c) = decoder.step(x_t[None], (h, c))  # (1, 123), (1, 512), (1, 512)
            for name, value in (("z", z), ("h", h), ("c", c)):
                stepped[name].append(value[0])
        z, h, c = decoder.forward(x[None])  # (1, T, 123), (1, T, 512), (1, T, 512)
    return {
        "step": {name: torch.stack(values) for name, values in stepped.items()},
        "forward": {"z": z[0], "h": h[0], "c": c[0]},
    }


def _assert_close(name: str, actual: torch.Tensor, expected: list) -> None:
    actual_np = actual.detach().to(torch.float64).numpy()
    expected_np = np.asarray(expected, dtype=np.float64)
    assert actual_np.shape == expected_np.shape, (
        f"{name}: shape {actual_np.shape} != {expected_np.shape}"
    )
    error = np.abs(actual_np - expected_np)
    worst = np.unravel_index(np.argmax(error), error.shape)
    assert error.max() <= TOLERANCE, (
        f"{name}: max abs error {error.max():.3g} at index {tuple(map(int, worst))} "
        f"(got {actual_np[worst]:.7g}, JS {expected_np[worst]:.7g}; tolerance {TOLERANCE:g})"
    )


def test_golden_file_was_made_from_the_same_model_file(golden: dict, model_file: ModelFile) -> None:
    assert golden["library"] == "@magenta/sketch 0.2.0"
    assert golden["model"]["sha256"] == model_file.sha256
    assert golden["model"]["scale_factor"] == model_file.scale_factor
    assert golden["model"]["max_seq_len"] == model_file.max_seq_len


def test_js_update_divides_pixel_deltas_by_scale_factor_over_pixel_factor(
    golden: dict, model_file: ModelFile
) -> None:
    pixels = np.asarray(golden["inputs_update"], dtype=np.float64)  # (T, 5) as given to update()
    normalised = np.asarray(golden["inputs_stroke5"], dtype=np.float64)  # (T, 5) fed to the LSTM
    scale = model_file.scale_factor / golden["pixel_factor"]
    assert golden["update_scale"] == pytest.approx(scale)
    np.testing.assert_allclose(normalised[:, :2], pixels[:, :2] / scale, rtol=1e-6)
    np.testing.assert_array_equal(normalised[:, 2:], pixels[:, 2:])
    assert normalised[0].tolist() == [0, 0, 1, 0, 0], "the sequence starts with the start token"


@pytest.mark.parametrize("path", PATHS)
def test_lstm_state_matches_the_js_library_at_every_recorded_step(
    path: str, golden: dict, runs: dict
) -> None:
    steps = golden["state_steps"]
    _assert_close(f"h ({path})", runs[path]["h"][steps], golden["h"])
    _assert_close(f"c ({path})", runs[path]["c"][steps], golden["c"])


@pytest.mark.parametrize("path", PATHS)
def test_means_and_correlations_match_the_js_library_at_every_step(
    path: str, golden: dict, runs: dict
) -> None:
    params = split_mixture(runs[path]["z"])
    _assert_close(f"mu_x ({path})", params.mu_x, golden["mu_x"])
    _assert_close(f"mu_y ({path})", params.mu_y, golden["mu_y"])
    _assert_close(f"corr ({path})", params.corr, golden["corr"])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("call", range(3), ids=["T1.0", "T0.25", "T0.5-softmax0.2"])
def test_temperature_adjusted_mixture_matches_js_get_pdf_at_every_step(
    call: int, path: str, golden: dict, runs: dict
) -> None:
    expected = golden["pdf"][call]
    temperature, softmax_temperature = expected["temperature"], expected["softmax_temperature"]
    pi, pen, sigma_x, sigma_y = temperature_adjusted(
        split_mixture(runs[path]["z"]), temperature, softmax_temperature
    )
    label = f"({path}, temperature {temperature}, softmax temperature {softmax_temperature})"
    _assert_close(f"pi {label}", pi, expected["pi"])
    _assert_close(f"pen {label}", pen, expected["pen"])
    _assert_close(f"sigma_x {label}", sigma_x, expected["sigma_x"])
    _assert_close(f"sigma_y {label}", sigma_y, expected["sigma_y"])
