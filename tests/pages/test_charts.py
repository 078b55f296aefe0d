"""The hand-made SVG bar charts: well-formed, labelled in the chart's own words, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from facegallery.pages.charts import Bar, bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def chart(bars: list[Bar], **options) -> ET.Element:
    svg = bar_chart_svg(
        chart_id="c", title="A <chart>", bars=bars, x_label="scorer version",
        y_label="share", y_ticks=[(0.0, "0%"), (0.5, "50%"), (1.0, "100%")], y_max=1.0,
        **options,
    )  # fmt: skip
    return ET.fromstring(svg.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == cls]


def test_bars_stand_on_the_axis_labelled_by_version_with_their_values():
    root = chart([Bar("v1", 0.25, "25%"), Bar("v2", None), Bar("v3", 1.0, "100%", True)])
    assert texts(root, "tick") == ["0%", "50%", "100%", "v1", "v2", "v3"]
    assert texts(root, "value") == ["25%", "100%"]
    assert texts(root, "axis-label") == ["scorer version", "share"]
    rects = [r for r in root.iter(f"{SVG}rect")]
    assert len(rects) == 2  # v2 has no bar
    assert rects[1].get("class") == "bar highlight"
    bottoms = {round(float(r.get("y", "")) + float(r.get("height", "")), 1) for r in rects}
    assert len(bottoms) == 1  # both start at 0
    assert float(rects[1].get("height", "")) == 4 * float(rects[0].get("height", ""))


def test_the_chart_is_named_for_screen_readers_and_text_is_escaped():
    root = chart([Bar("v1", 0.5, "50%")], reference=(0.3, "no <filter>"))
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "A <chart>"
    assert root.findtext(f"{SVG}desc") == "v1: 50%"
    assert texts(root, "reference-label") == ["no <filter>"]


def test_many_versions_label_every_few_and_the_last():
    root = chart([Bar(f"v{i}", 0.5, "50%") for i in range(1, 31)])
    labels = texts(root, "tick")[3:]
    assert labels[0] == "v1" and labels[-1] == "v30"
    assert len(labels) <= 11
    assert texts(root, "value") == []  # no room for values
