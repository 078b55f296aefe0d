"""The admin overview: how generation, votes, reports and the scorer are doing, at a glance.

Every figure is one cheap query, an index range or a partial index: never a count over all
faces or all votes, tables that grow to millions of rows (tests/moderation/test_overview.py
checks the plans with EXPLAIN).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from facegallery.gallery.models import (
    BatchStatus,
    Face,
    FaceStatus,
    GenerationBatch,
    GenerationSettings,
)
from facegallery.gallery.selectors import face_pool_count
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.selectors import VERSION_SUMMARY_FIELDS, ScorerVersionSummary
from facegallery.voting.models import Report, Vote

RECENT_FACES = timedelta(minutes=1)
RECENT_VOTES = timedelta(hours=1)


@dataclass(frozen=True)
class Overview:
    pool: int  # visible faces nobody has voted on
    batches_in_flight: int
    drawn_last_minute: int  # every face stored, shown or filtered
    shown_last_minute: int
    votes_last_hour: int
    open_reports: int
    active_scorer: ScorerVersionSummary | None
    latest_scorer: ScorerVersionSummary | None  # the last training, promoted or not
    votes_since_training: int | None  # cast since the latest training (None: none yet)
    generation: GenerationSettings


def faces_stored_since(since: datetime) -> tuple[int, int]:
    """(stored, shown): faces created since `since`, and of those the visible ones.

    Ids grow with time, so the newest face older than `since` is found by walking the
    primary key back from the newest face, and the count is a range of that index above
    it: both read only the faces since then, whatever the table's size.
    """
    older = Face.objects.filter(created__lt=since).order_by("-id")
    boundary = older.values_list("id", flat=True).first() or 0
    counts = Face.objects.filter(id__gt=boundary).aggregate(
        stored=Count("id"), shown=Count("id", filter=Q(status=FaceStatus.VISIBLE))
    )
    return counts["stored"], counts["shown"]


def _scorer_summary(versions) -> ScorerVersionSummary | None:
    row = versions.values(*VERSION_SUMMARY_FIELDS).first()  # never the artifact
    return ScorerVersionSummary(**row) if row else None


def overview_get(*, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    drawn, shown = faces_stored_since(now - RECENT_FACES)
    latest = _scorer_summary(ScorerVersion.objects.order_by("-version"))
    # Bounded: retraining comes every few hundred votes (the vote_created index).
    since_training = (
        Vote.objects.filter(created__gt=latest.created).count() if latest is not None else None
    )
    return Overview(
        pool=face_pool_count(),
        batches_in_flight=GenerationBatch.objects.filter(status=BatchStatus.PENDING).count(),
        drawn_last_minute=drawn,
        shown_last_minute=shown,
        votes_last_hour=Vote.objects.filter(created__gte=now - RECENT_VOTES).count(),
        open_reports=Report.objects.filter(resolution=Report.Resolution.OPEN).count(),
        active_scorer=_scorer_summary(ScorerVersion.objects.filter(is_active=True)),
        latest_scorer=latest,
        votes_since_training=since_training,
        generation=GenerationSettings.current(),
    )
