"""HTML fragments for the moderation admin: face drawings and small read-only tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from facegallery.gallery import pictures
from generator.packing import CorruptStrokes

THUMBNAIL_SIZE = 56  # px: a list row stays one line high
DRAWING_SIZE = 320


def face_svg(face, *, size: int = THUMBNAIL_SIZE) -> SafeString:
    """The face as inline SVG, ``size`` px square: the picture the pages show
    (gallery.pictures), or a warning sign when its stored strokes are corrupt.

    Named "Face #id" for screen readers (an image role), so the list's thumbnail links say
    where they go."""
    try:
        svg = pictures.face_svg(face, size=size)
    except CorruptStrokes:
        return format_html('<span title="{}">⚠</span>', "the stored strokes are corrupt")
    return format_html(
        '<span class="face-picture" role="img" aria-label="Face #{}">{}</span>',
        face.pk,
        mark_safe(svg),  # generated markup: numbers and an escaped colour
    )


def decimal3(value: float | None) -> str:
    """Scores, Wilson bounds and the like: 3 decimals say all they can (a float's 16 say noise)."""
    return "—" if value is None else f"{value:.3f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def admin_changelist_url(model_label: str, **params: str | int) -> str:
    app_label, model = model_label.split(".")
    url = reverse(f"admin:{app_label}_{model}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def face_link(face_id: int | None) -> str:
    if face_id is None:
        return "—"
    return format_html(
        '<a href="{}">#{}</a>', reverse("admin:gallery_face_change", args=[face_id]), face_id
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str) -> SafeString:
    rows = list(rows)
    if not rows:
        return format_html("<p>{}</p>", empty)
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def votes_table(votes, *, total: int, voided: int, face_id: int) -> SafeString:
    rows = [
        (
            vote.created.strftime("%Y-%m-%d %H:%M"),
            voter_link(vote.voter),
            vote.label,
            "voided" if vote.voided else "",
        )
        for vote in votes
    ]
    summary = format_html(
        '<p>{} votes ({} voided). <a href="{}">All votes on this face</a></p>',
        total, voided, admin_changelist_url("voting.vote", face=face_id),
    )  # fmt: skip
    return format_html("{}{}", summary, _table(["when", "voter", "label", ""], rows, "No votes."))


def voter_link(voter: str) -> str:
    return format_html(
        '<a href="{}" title="all votes of this voter">{}</a>',
        admin_changelist_url("voting.vote", voter=voter),
        voter,
    )


def reports_table(reports) -> SafeString:
    rows = [
        (
            report.created.strftime("%Y-%m-%d %H:%M"),
            voter_link(report.voter),
            report.reason or "—",
            report.get_resolution_display(),
        )
        for report in reports
    ]
    return _table(["when", "by", "reason", "resolution"], rows, "No reports.")


def _state(data: dict) -> str:
    return ", ".join(f"{key}={json.dumps(value)}" for key, value in data.items()) or "—"


def history_table(events) -> SafeString:
    rows = [
        (
            event.created.strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_name,
            event.get_action_display(),
            _state(event.before),
            _state(event.after),
        )
        for event in events
    ]
    return _table(["when", "who", "what", "before", "after"], rows, "No moderation yet.")
