"""The overview page: staff see the pool, faces drawn, votes, open reports and the scorer at a
glance, each figure from an index (never a count over all faces or votes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facegallery.gallery.models import Face, FaceStatus
from facegallery.moderation.overview import overview_get
from facegallery.scoring.models import ScorerVersion
from facegallery.voting.models import Report, Vote
from facegallery.voting.services import report_create
from tests.factories import FaceFactory, UserFactory, VoteFactory

OVERVIEW = reverse("admin_overview")
BIG_TABLES = ("gallery_face", "voting_vote", "voting_report", "gallery_generationbatch")


def scorer(version: int, *, auc: float, active: bool) -> ScorerVersion:
    return ScorerVersion.objects.create(
        version=version, artifact=b"-", config={}, auc=auc, incumbent_auc=0.5,
        training_faces=400, holdout_faces=100, votes_seen=0, seconds=2.5,
        is_active=active, promoted=active, note="" if active else "not better",
    )  # fmt: skip


@pytest.fixture
def activity(db) -> dict[str, list[Face]]:
    """3 faces drawn 5 minutes ago; 4 just now, one filtered and one voted on (a vote now,
    another 2 hours ago); 2 reports, one dismissed; scorer v1 active, v2 trained since."""
    old = FaceFactory.create_batch(3)
    Face.objects.filter(pk__in=[f.pk for f in old]).update(
        created=timezone.now() - timedelta(minutes=5)
    )
    scorer(1, auc=0.6123456789, active=True)
    scorer(2, auc=0.5987654321, active=False)
    new = FaceFactory.create_batch(4)
    Face.objects.filter(pk=new[0].pk).update(status=FaceStatus.FILTERED)
    votes = VoteFactory.create_batch(2, face=new[1])
    Vote.objects.filter(pk=votes[0].pk).update(created=timezone.now() - timedelta(hours=2))
    report_create(face_id=old[0].pk, voter="anon:a", reason="rude")
    report_create(face_id=old[1].pk, voter="anon:b", reason="meh")
    Report.objects.filter(face=old[1]).update(resolution=Report.Resolution.DISMISSED)
    return {"old": old, "new": new}


def test_the_overview_counts_only_recent_faces_and_votes(activity):
    overview = overview_get()
    assert overview.pool == 3 + 2  # visible and unvoted: the old three and two new
    assert (overview.drawn_last_minute, overview.shown_last_minute) == (4, 3)
    assert overview.votes_last_hour == 1
    assert overview.open_reports == 1
    assert overview.batches_in_flight == 0


def test_the_overview_names_the_active_scorer_and_the_last_training(activity):
    overview = overview_get()
    assert overview.active_scorer is not None and overview.active_scorer.version == 1
    assert overview.latest_scorer is not None and overview.latest_scorer.version == 2
    assert overview.votes_since_training == 1  # the vote cast now; the other is older


def test_before_any_training_there_is_no_scorer_and_no_vote_count(db):
    overview = overview_get()
    assert overview.active_scorer is None and overview.latest_scorer is None
    assert overview.votes_since_training is None


def test_no_figure_reads_a_whole_table_of_faces_or_votes(activity):
    with CaptureQueriesContext(connection) as queries:
        overview_get()
    assert len(queries.captured_queries) <= 10
    with connection.cursor() as cursor:
        # Tiny tables make a sequential scan the cheapest plan; with it priced out, one
        # that remains means no index serves the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            for table in BIG_TABLES:
                assert f"Seq Scan on {table}" not in plan, f"{query['sql']}\n{plan}"


def test_staff_see_the_overview_with_rounded_figures(moderator_client, activity):
    response = moderator_client.get(OVERVIEW)
    assert response.status_code == 200
    page = " ".join(response.text.split())
    assert "5 visible faces nobody has voted on" in page
    assert "v1, held-out AUC 0.612" in page
    assert "0.6123456789" not in page and "0.5987654321" not in page
    assert "AUC 0.599 against 0.500" in page
    assert reverse("admin:moderation_reportedface_changelist") in page


def test_the_admin_index_links_to_the_overview(moderator_client):
    response = moderator_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert f'href="{OVERVIEW}"' in response.text


def test_only_staff_reach_the_overview(db):
    anonymous = Client()
    visitor = Client()
    visitor.force_login(UserFactory.create())
    for client in (anonymous, visitor):
        response = client.get(OVERVIEW)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
