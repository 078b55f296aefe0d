"""Moderation reads: the queue, and what a face's admin page shows about the face."""

from __future__ import annotations

from django.db.models import Count, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from facegallery.gallery.models import Face
from facegallery.moderation.models import ModerationEvent
from facegallery.voting.models import Report, Vote

FACE_PAGE_VOTES = 25  # latest votes on a face's page; the rest are one link away
FACE_PAGE_REPORTS = 50
FACE_PAGE_EVENTS = 50


def faces_with_open_report_counts(queryset: QuerySet[Face]) -> QuerySet[Face]:
    """Annotate `open_reports` with a correlated subquery, evaluated only for the rows
    of the page (a JOIN + GROUP BY would aggregate the whole table first)."""
    open_reports = (
        Report.objects.filter(face=OuterRef("pk"), resolution=Report.Resolution.OPEN)
        .order_by()
        .values("face")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return queryset.annotate(open_reports=Coalesce(Subquery(open_reports), 0))


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
