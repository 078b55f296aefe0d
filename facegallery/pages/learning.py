"""The "Is it learning?" page: the feedback loop told to visitors.

What everyone sees (the interesting share of shown faces per scorer version, each version's
AUC and why it was promoted or not, samples of what the current filter let through and held
back) costs aggregate queries over all votes, so a process keeps it for
LEARNING_CACHE_SECONDS: a scorer is retrained every few minutes at most, so the page is
never far behind. What belongs to the visitor (how many of their votes the current filter
learned from) is one indexed query a request, for a visitor who has voted; the page starts
no session. The HTML itself is rendered for every request: only data is shared.
"""

from __future__ import annotations

import threading
import time

from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from facegallery.gallery.pictures import face_svg
from facegallery.pages.charts import Bar, bar_chart_svg
from facegallery.scoring.selectors import (
    LoopPoint,
    ScorerVersionSummary,
    filter_samples,
    loop_history,
    scorer_version_summaries,
    voter_votes_in_scorer,
    votes_total,
)
from facegallery.voting.identity import voter_if_known

LEARNING_CACHE_SECONDS = 60
SAMPLES = 8  # faces let through, and as many held back
VERSIONS_LISTED = 20  # the newest versions get a line each; older ones are only in the charts

_shared: tuple[dict, float] = ({}, 0.0)  # (context, monotonic expiry): replaced whole
_refreshing = threading.Lock()


def learning_cache_clear() -> None:
    global _shared
    _shared = ({}, 0.0)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share:.0%}"


def _share(points: dict[int, LoopPoint], version: int) -> float | None:
    """The interesting share of votes on the faces `version` let through (0: no filter)."""
    point = points.get(version)
    return point.shown_interesting_share if point else None


def _charts(points: dict[int, LoopPoint], versions: list[ScorerVersionSummary]) -> dict:
    """The share chart (version 0: no filter) and the AUC chart, or None without data."""
    baseline = _share(points, 0)
    share_bars = [Bar("none", baseline, _percent(baseline))] if baseline is not None else []
    for v in versions:
        share = _share(points, v.version)
        share_bars.append(Bar(f"v{v.version}", share, _percent(share), v.is_active))
    percent_ticks = [(t / 4, f"{t * 25}%") for t in range(5)]
    share_chart = bar_chart_svg(
        chart_id="chart-share",
        title="Share of interesting votes on the faces each scorer version let through",
        bars=share_bars,
        x_label="scorer version (none: no filter)",
        y_label="interesting votes",
        y_ticks=percent_ticks,
        y_max=1.0,
        reference=(baseline, "no filter") if baseline is not None else None,
    )
    auc_bars = [
        Bar(f"v{v.version}", v.auc, "" if v.auc is None else f"{v.auc:.2f}", v.is_active)
        for v in versions
    ]
    auc_chart = bar_chart_svg(
        chart_id="chart-auc",
        title="Held-out AUC of each scorer version",
        bars=auc_bars,
        x_label="scorer version",
        y_label="AUC (held out)",
        y_ticks=[(0.0, "0"), (0.25, "0.25"), (0.5, "0.5"), (0.75, "0.75"), (1.0, "1")],
        y_max=1.0,
        reference=(0.5, "coin toss"),
    )
    has_share = any(bar.value is not None for bar in share_bars)
    return {
        "share_chart": mark_safe(share_chart) if has_share else None,  # our own markup
        "auc_chart": mark_safe(auc_chart) if versions else None,
    }


def _thumb(face, *, link: bool) -> dict:
    url = reverse("gallery:face", args=[face.pk]) if link else None
    return {"id": face.pk, "url": url, "svg": mark_safe(face_svg(face))}


def _build() -> dict:
    points = {point.version: point for point in loop_history()}
    versions = scorer_version_summaries()
    active = next((v for v in versions if v.is_active), None)
    listed = [
        {
            "v": v,
            "why": v.note.strip().rstrip("."),  # the template ends the sentence
            "share": _percent(_share(points, v.version)),
            "votes": points[v.version].votes if v.version in points else 0,
        }
        for v in reversed(versions[-VERSIONS_LISTED:])
    ]
    samples = filter_samples(version=active.version, limit=SAMPLES) if active else None
    total = votes_total()
    return {
        "votes_total_text": f"{total:,}",
        "votes_since": max(0, total - active.votes_seen) if active else None,
        "versions": listed,
        "versions_count": len(versions),
        "active": active,
        "baseline_share": _percent(_share(points, 0)),
        "let_through": [_thumb(f, link=True) for f in samples.let_through] if samples else [],
        "held_back": [_thumb(f, link=False) for f in samples.held_back] if samples else [],
        **_charts(points, versions),
    }


def _shared_context() -> dict:
    """The part everyone sees, rebuilt once per LEARNING_CACHE_SECONDS by one thread of a
    process while the others keep serving the previous one."""
    global _shared
    context, expires = _shared
    if expires > time.monotonic():
        return context
    if not _refreshing.acquire(blocking=not context):
        return context  # another thread is rebuilding it
    try:
        context, expires = _shared
        if expires <= time.monotonic():
            context = _build()
            _shared = (context, time.monotonic() + LEARNING_CACHE_SECONDS)
    finally:
        _refreshing.release()
    return context


@require_GET
def learning_page(request):
    """The loop in charts, versions and samples, and this visitor's part in it."""
    context = dict(_shared_context())
    voter, active = voter_if_known(request), context["active"]
    context["voted"] = voter is not None
    context["mine"] = (
        voter_votes_in_scorer(voter=voter, version=active.version) if voter and active else None
    )
    return render(request, "gallery/learning.html", context)
