"""Export options as plain strings and numbers (command line, admin form, Celery task
arguments, the ExportJob row) and their validation into an ExportSpec."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta
from typing import TypedDict

from django.utils.dateparse import parse_date, parse_datetime

from facegallery.exports.labels import LabelRuleError, label_rule_parse, split_ratio_parse
from facegallery.exports.selectors import DEFAULT_STATUSES, FaceFilters
from facegallery.exports.services import FORMATS, ExportError, ExportSpec
from facegallery.gallery.models import FaceStatus

STATUS_NAMES = {choice.label: choice.value for choice in FaceStatus}  # visible, filtered, hidden
DEFAULT_STATUS_NAMES = [FaceStatus(s).label for s in DEFAULT_STATUSES]


class ExportOptions(TypedDict, total=False):
    """export_spec_from_options' arguments but format, as stored in ExportJob.options (JSON)."""

    min_votes: int
    since: str | None
    until: str | None
    generator: str | None
    status: list[str] | None
    label_rule: str
    split: str


def _moment(text: str, option: str, *, end_of_day: bool) -> datetime:
    """An ISO date or date-time; a bare date means its midnight (UTC), or the next one."""
    moment = parse_datetime(text)
    if moment is None:
        day = None
        with contextlib.suppress(ValueError):  # well-formed but impossible, e.g. 2024-02-30
            day = parse_date(text)
        if day is None:
            raise ExportError(f"{option} {text!r} is not a date: use YYYY-MM-DD or an ISO time")
        moment = datetime.combine(day, time.min) + (
            timedelta(days=1) if end_of_day else timedelta()
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def export_spec_from_options(
    *,
    format: str,
    min_votes: int = 0,
    since: str | None = None,
    until: str | None = None,
    generator: str | None = None,
    status: list[str] | None = None,
    label_rule: str = "majority",
    split: str = "80/10/10",
) -> ExportSpec:
    """Validate raw options; ExportError (one line) names the bad one.

    ``until`` is exclusive for a time and inclusive for a date (the whole day counts).
    """
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    if min_votes < 0:
        raise ExportError(f"--min-votes must be 0 or more, got {min_votes}")
    start = _moment(since, "--since", end_of_day=False) if since else None
    end = _moment(until, "--until", end_of_day=True) if until else None
    if start and end and start >= end:
        raise ExportError(f"--since {since} is not before --until {until}")
    names = status or DEFAULT_STATUS_NAMES
    unknown = [name for name in names if name not in STATUS_NAMES]
    if unknown:
        raise ExportError(
            f"unknown status {unknown[0]!r}: use {', '.join(STATUS_NAMES)} (one or more)"
        )
    try:
        rule = label_rule_parse(label_rule)
        ratio = split_ratio_parse(split)
    except LabelRuleError as exc:
        raise ExportError(str(exc)) from None
    filters = FaceFilters(
        label_rule=rule,
        min_votes=min_votes,
        since=start,
        until=end,
        generator=generator or None,
        statuses=tuple(sorted({STATUS_NAMES[name] for name in names})),
    )
    return ExportSpec(format=format, filters=filters, ratio=ratio)
