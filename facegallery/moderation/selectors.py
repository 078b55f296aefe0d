"""Moderation reads: the queue, and what a face's admin page shows about the face."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min, Prefetch, Q, QuerySet

from facegallery.gallery.models import Face
from facegallery.moderation.models import ModerationEvent
from facegallery.voting.models import Report, Vote

FACE_PAGE_VOTES = 25  # latest votes on a face's page; the rest are one link away
FACE_PAGE_REPORTS = 50
FACE_PAGE_EVENTS = 50


def open_report_counts(*, face_ids: Iterable[int]) -> dict[int, int]:
    """Open reports of each face (absent: none), one indexed query for a page of faces.

    Done for the page's ids rather than as a subquery in the list query: PostgreSQL
    evaluates such a subquery for every row it skips with OFFSET or sorts, too.
    """
    rows = (
        Report.objects.filter(face_id__in=list(face_ids), resolution=Report.Resolution.OPEN)
        .values("face_id")
        .annotate(count=Count("pk"))
        .values_list("face_id", "count")
    )
    return dict(rows)


def reported_faces_queue(queryset: QuerySet[Face]) -> QuerySet[Face]:
    """Faces with open reports, most reported first, then the longest waiting; each with
    its open reports prefetched (one query a page) as `open_report_list`."""
    return (
        queryset.filter(reports__resolution=Report.Resolution.OPEN)
        .annotate(open_reports=Count("reports"), first_reported=Min("reports__created"))
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.filter(resolution=Report.Resolution.OPEN).order_by(
                    "created"
                ),
                to_attr="open_report_list",
            )
        )
        .order_by("-open_reports", "first_reported", "pk")
    )


def face_votes_latest(*, face_id: int, limit: int = FACE_PAGE_VOTES) -> list[Vote]:
    return list(Vote.objects.filter(face_id=face_id).order_by("-created", "-id")[:limit])


def face_vote_totals(*, face_id: int) -> dict[str, int]:
    return Vote.objects.filter(face_id=face_id).aggregate(
        total=Count("pk"), voided=Count("pk", filter=Q(voided=True))
    )


def face_reports(*, face_id: int, limit: int = FACE_PAGE_REPORTS) -> list[Report]:
    return list(Report.objects.filter(face_id=face_id).order_by("-created", "-id")[:limit])


def face_moderation_history(
    *, face_id: int, limit: int = FACE_PAGE_EVENTS
) -> list[ModerationEvent]:
    return list(ModerationEvent.objects.filter(face_id=face_id).order_by("-created", "-id")[:limit])
