"""generator.rails: the checks a tuned decoder must pass before it draws for visitors."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from generator.model import SketchDecoder
from generator.quality import load_quickdraw
from generator.rails import (
    RailCheck,
    RailsBaseline,
    RailsConfig,
    RailsReport,
    rails_baseline,
    rails_check,
    rails_compare,
)

# One torch thread: two spin-wait, and ran 5x slower, on the shared 2-core machine.
pytestmark = pytest.mark.usefixtures("one_torch_thread")
SHARED = Path(__file__).resolve().parents[3] / "shared"
# Few faces keep the tests quick; the bounds are the defaults'.
SMALL = RailsConfig(samples=16, temperatures=(0.3, 0.5))


@pytest.fixture(scope="module")
def human(decoder: SketchDecoder, quickdraw_faces: list[dict]) -> list[np.ndarray]:
    return load_quickdraw(SHARED / "data" / "quickdraw_face_sample.ndjson", decoder.scale_factor)


@pytest.fixture(scope="module")
def baseline(decoder: SketchDecoder, human: list[np.ndarray]) -> RailsBaseline:
    return rails_baseline(decoder, human, config=SMALL)


def test_the_base_decoder_passes_its_own_rails(
    decoder: SketchDecoder, baseline: RailsBaseline
) -> None:
    report = rails_compare(baseline, decoder)
    assert report.passed
    assert [c.name for c in report.checks] == ["human NLL", "base-sample NLL", "diversity"]
    for check in report.checks:
        assert check.tuned == pytest.approx(check.base)


def test_rails_check_compares_in_one_call(decoder: SketchDecoder, human: list[np.ndarray]) -> None:
    tiny = RailsConfig(samples=8, temperatures=(0.4,))
    report = rails_check(decoder, decoder, human[:4], config=tiny)
    assert report.passed
    assert len(report.checks) == 3


def test_a_decoder_with_noise_in_its_head_fails_the_nll_rails(
    decoder: SketchDecoder, baseline: RailsBaseline
) -> None:
    damaged = copy.deepcopy(decoder)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        damaged.head.weight += 0.05 * torch.randn(damaged.head.weight.shape, generator=generator)
    report = rails_compare(baseline, damaged)
    failed = {c.name for c in report.checks if not c.passed}
    assert {"human NLL", "base-sample NLL"} <= failed
    assert not report.passed


def test_a_collapsed_decoder_that_draws_one_face_fails_diversity(
    decoder: SketchDecoder, baseline: RailsBaseline
) -> None:
    collapsed = copy.deepcopy(decoder)
    m = decoder.num_mixture
    with torch.no_grad():
        collapsed.head.weight.zero_()  # the same output at every step, whatever was drawn
        bias = collapsed.head.bias
        bias[:3] = torch.tensor([6.0, -20.0, 0.0])  # keep the pen down; end now and then
        bias[3 : 3 + m] = torch.tensor([20.0] + [-20.0] * (m - 1))  # always the first Gaussian
        bias[3 + 3 * m : 3 + 5 * m] = -12.0  # tiny sigmas: every face the same straight line
    report = rails_compare(baseline, collapsed)
    diversity = next(c for c in report.checks if c.name == "diversity")
    assert not diversity.passed
    assert diversity.tuned < 0.1 * diversity.base


def test_the_report_is_json_and_one_line() -> None:
    report = RailsReport(
        [
            RailCheck("human NLL", -0.75, -0.6, -0.5, True),
            RailCheck("diversity", 4.5, 3, 3.8, False),
        ]
    )
    data = json.loads(json.dumps(report.as_dict()))
    assert data["passed"] is False
    assert [c["name"] for c in data["checks"]] == ["human NLL", "diversity"]
    line = report.summary()
    assert "\n" not in line
    assert line.startswith("rails FAILED: human NLL -0.600 (base -0.750, max -0.500)")
    assert line.endswith("diversity 3.000 (base 4.500, min 3.800) FAILED")
