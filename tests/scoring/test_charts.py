"""The scorer chart's x axis counts versions: whole numbers, never 0.2, 0.4."""

from __future__ import annotations

import re

import pytest

from facegallery.scoring.charts import loop_chart_svg
from facegallery.scoring.selectors import LoopPoint


def points(versions: range) -> list[LoopPoint]:
    # Version 0: the unfiltered baseline (a share, no AUC).
    return [LoopPoint(v, None, 0.61 if v else None, 0.45, 10) for v in versions]


def x_tick_labels(svg: str) -> list[str]:
    """The x axis' tick labels: matplotlib draws text as paths, each after a comment."""
    axis = svg.split('<g id="matplotlib.axis_1">')[1].split('<g id="matplotlib.axis_2">')[0]
    return [re.findall(r"<!-- (.*?) -->", tick)[0] for tick in axis.split('<g id="xtick_')[1:]]


@pytest.mark.parametrize("count", [1, 2, 3, 15])
def test_a_few_versions_get_a_tick_each(count):
    assert x_tick_labels(loop_chart_svg(points(range(count)))) == [str(v) for v in range(count)]


def test_many_versions_get_whole_numbered_ticks():
    labels = x_tick_labels(loop_chart_svg(points(range(40))))
    assert all(re.fullmatch(r"−?\d+", label) for label in labels), labels
    assert "0" in labels and len(labels) < 20
