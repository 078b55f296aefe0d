"""Small bar charts as inline SVG for public pages: server-rendered, no JavaScript.

Drawn by hand rather than with matplotlib (the admin's chart, scoring/charts.py): a few
dozen elements, about 2 KB, styled by the site's CSS (light and dark), with the x axis in
the chart's own words (scorer versions) and text that stays readable on a 390 px phone:
the viewBox is about as wide as a phone's content box, so 12 units of text are about 12 px.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 340, 210
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 18, 46  # margins: y tick labels, x ticks and axis title
PLOT_RIGHT, BASE = WIDTH - RIGHT, HEIGHT - BOTTOM  # the plot's right edge, and its y = 0
MAX_X_LABELS = 10  # more bars than this: every k-th one is labelled, and values are left out


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar: "none", "v3"
    value: float | None  # None: no bar (nothing to show for it)
    text: str = ""  # above the bar ("42%"), when there is room
    highlight: bool = False  # drawn in the accent colour (the active version)


def _n(value: float) -> str:
    """A coordinate as written in the markup (format_html takes no format specs)."""
    return f"{value:.1f}".removesuffix(".0")


def _text(cls: str, x: float, y: float, text: str, anchor: str = "middle") -> SafeString:
    return format_html(
        '<text class="{}" x="{}" y="{}" text-anchor="{}">{}</text>', cls, _n(x), _n(y), anchor, text
    )


def _hline(cls: str, y: float) -> SafeString:
    return format_html(
        '<line class="{}" x1="{}" x2="{}" y1="{}" y2="{}"/>', cls, LEFT, PLOT_RIGHT, _n(y), _n(y)
    )


def bar_chart_svg(
    *,
    chart_id: str,
    title: str,
    bars: list[Bar],
    x_label: str,
    y_label: str,
    y_ticks: list[tuple[float, str]],
    y_max: float,
    reference: tuple[float, str] | None = None,
) -> str:
    """One bar per entry on a 0..y_max axis; `reference`: a dashed line and its label."""

    def y_of(value: float) -> float:
        return TOP + (BASE - TOP) * (1 - min(max(value, 0.0), y_max) / y_max)

    summary = "; ".join(f"{bar.label}: {bar.text or 'none'}" for bar in bars)
    parts = [
        format_html(
            '<svg class="chart" id="{id}" viewBox="0 0 {w} {h}" role="img" '
            'aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{title}</title>'
            '<desc id="{id}-d">{desc}</desc>',
            id=chart_id,
            w=WIDTH,
            h=HEIGHT,
            title=title,
            desc=summary,
        )
    ]
    for value, text in y_ticks:
        parts += [
            _hline("grid", y_of(value)),
            _text("tick", LEFT - 6, y_of(value) + 4, text, "end"),
        ]
    slot = (PLOT_RIGHT - LEFT) / max(len(bars), 1)
    width = min(slot * 0.7, 36)
    every = math.ceil(len(bars) / MAX_X_LABELS) or 1
    for index, bar in enumerate(bars):
        centre = LEFT + slot * (index + 0.5)
        if bar.value is not None:
            top = y_of(bar.value)
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>',
                    "bar highlight" if bar.highlight else "bar",
                    _n(centre - width / 2),
                    _n(top),
                    _n(width),
                    _n(BASE - top),
                )
            )
            if bar.text and len(bars) <= MAX_X_LABELS:
                parts.append(_text("value", centre, top - 4, bar.text))
        if index % every == 0 or index == len(bars) - 1:
            parts.append(_text("tick", centre, BASE + 16, bar.label))
    if reference is not None:
        value, text = reference
        parts += [
            _hline("reference", y_of(value)),
            _text("reference-label", PLOT_RIGHT, y_of(value) - 4, text, "end"),
        ]
    parts += [
        _hline("axis", BASE),
        _text("axis-label", (LEFT + PLOT_RIGHT) / 2, HEIGHT - 6, x_label),
        format_html(
            '<text class="axis-label" transform="translate(12 {}) rotate(-90)" '
            'text-anchor="middle">{}</text></svg>',
            _n((TOP + BASE) / 2),
            y_label,
        ),
    ]
    return "".join(parts)
