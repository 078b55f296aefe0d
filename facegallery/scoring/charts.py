"""The admin's chart of the feedback loop, as an inline SVG drawn by matplotlib."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display in web processes

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from facegallery.scoring.selectors import LoopPoint

MAX_VERSION_TICKS = 15


def loop_chart_svg(points: list[LoopPoint]) -> str:
    """Held-out AUC and the interesting-vote share of shown faces, per scorer version.

    Version 0 stands for faces shown with no filter (the baseline share)."""
    figure = Figure(figsize=(7, 3))
    axes = figure.add_subplot()
    versions = [p.version for p in points]
    aucs = [p.auc if p.auc is not None else float("nan") for p in points]
    # Versions that never filtered (not promoted) admitted no faces: they have no share.
    shown = [
        (p.version, p.shown_interesting_share)
        for p in points
        if p.shown_interesting_share is not None
    ]
    axes.plot(versions, aucs, marker="o", label="held-out AUC")
    axes.plot(
        [version for version, _ in shown],
        [share for _, share in shown],
        marker="s",
        label="interesting share of votes on faces it admitted",
    )
    axes.set_xlabel("scorer version (0: unfiltered)")
    # Versions are whole numbers: a tick at each (at 0, 5, 10... when there are many), never
    # at 0.2, 0.4 as matplotlib's default locator puts them for a few points.
    if len(versions) <= MAX_VERSION_TICKS:
        axes.set_xticks(versions)
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return svg[svg.find("<svg") :]  # drop the XML prolog and doctype for inline use
