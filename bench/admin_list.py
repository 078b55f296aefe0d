"""Admin pages a moderator uses, timed on a big database (the target: well under a second).

    python -m bench.seed_database --faces 1000000 --votes 5000000   # once
    python -m bench.admin_list [--runs 7] [--reports 500] [--json PATH]

Each page is requested through Django's test client, logged in as a member of the
Moderators group, once to warm up and then --runs times; the table shows the median wall
time, the median time spent in SQL and the number of queries. Runs against DATABASE_URL
with facegallery.settings_test (plain static files: no collectstatic needed). --reports
makes sure that many open reports exist (on random faces), so the queue and the
"reported" filter have something to show.
"""

from __future__ import annotations

import argparse
import time

from bench.common import django_setup, median, table, write_results

# Column positions in FaceAdmin.list_display (+1 for the action checkbox) for ?o=.
WILSON_COLUMN = 8


def pages(face_id: int, voter: str) -> list[tuple[str, str]]:
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.http import urlencode

    faces = "/admin/gallery/face/"
    # The links DateFieldListFilter itself makes for "Past 7 days".
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    week = urlencode(
        {
            "created__gte": str(today - timedelta(days=7)),
            "created__lt": str(today + timedelta(days=1)),
        }
    )
    return [
        ("faces: newest", faces),
        ("faces: page 200", f"{faces}?p=200"),
        ("faces: visible", f"{faces}?status__exact=1"),
        ("faces: visible by Wilson", f"{faces}?status__exact=1&o=-{WILSON_COLUMN}"),
        ("faces: all by Wilson (no link)", f"{faces}?o=-{WILSON_COLUMN}"),
        ("faces: open reports", f"{faces}?reported=open"),
        ("faces: 5-19 votes", f"{faces}?votes=5-19"),
        ("faces: score >= 0.75", f"{faces}?score=gte0.75"),
        ("faces: explored", f"{faces}?explored__exact=1"),
        ("faces: past 7 days", f"{faces}?{week}"),
        ("faces: search id", f"{faces}?q={face_id}"),
        ("face page", f"{faces}{face_id}/change/"),
        ("moderation queue", "/admin/moderation/reportedface/"),
        ("votes: newest", "/admin/voting/vote/"),
        ("votes: one voter", f"/admin/voting/vote/?voter={voter}"),
        ("votes: one face", f"/admin/voting/vote/?face={face_id}"),
        ("reports", "/admin/voting/report/"),
        ("audit log", "/admin/moderation/moderationevent/"),
        ("overview", "/admin/overview/"),
    ]


def moderator():
    from django.contrib.auth.models import Group, User

    from facegallery.moderation.roles import MODERATORS_GROUP

    user, _ = User.objects.get_or_create(username="bench-moderator", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def ensure_open_reports(count: int) -> int:
    """Open reports on random visible faces, up to `count` (one SQL statement)."""
    from django.db import connection

    from facegallery.voting.models import Report

    missing = count - Report.objects.filter(resolution=Report.Resolution.OPEN).count()
    if missing > 0:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO voting_report (face_id, voter, reason, ip_hash, created, resolution)
                SELECT id, 'bench:' || id, 'bench report ' || id, '', now(), 'open'
                FROM gallery_face TABLESAMPLE SYSTEM (1) WHERE status = 1 LIMIT %s
                ON CONFLICT DO NOTHING
                """,
                [missing],
            )
    return Report.objects.filter(resolution=Report.Resolution.OPEN).count()


def measure(client, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: caches, plans, the session
    walls, sql, counts = [], [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            walls.append(time.perf_counter() - started)
        counts.append(len(queries.captured_queries))
        sql.append(sum(float(q["time"]) for q in queries.captured_queries))
    return {
        "url": url,
        "status": response.status_code,
        "median_ms": median(walls) * 1000,
        "max_ms": max(walls) * 1000,
        "sql_ms": median(sql) * 1000,
        "queries": max(counts),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.admin_list")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    django_setup("facegallery.settings_test")
    from django.test import Client
    from django.test.utils import setup_test_environment

    from facegallery.gallery.models import Face
    from facegallery.moderation.pagination import table_row_estimate
    from facegallery.voting.models import Vote

    setup_test_environment()  # lets the test client's "testserver" host in
    open_reports = ensure_open_reports(args.reports)
    client = Client()
    client.force_login(moderator())
    busiest = Face.objects.filter(status=1).order_by("-id").only("id")[1000]
    voter = Vote.objects.filter(face=busiest).values_list("voter", flat=True).first() or "none"
    results = {}
    for name, url in pages(busiest.pk, voter):
        results[name] = measure(client, url, args.runs)
    faces = table_row_estimate(Face) or Face.objects.count()
    votes = table_row_estimate(Vote) or Vote.objects.count()
    rows = [
        [name, r["status"], r["median_ms"], r["max_ms"], r["sql_ms"], r["queries"]]
        for name, r in results.items()
    ]
    print(f"about {faces:,} faces, {votes:,} votes, {open_reports:,} open reports")
    print(table(["page", "status", "median ms", "max ms", "SQL ms", "queries"], rows))
    write_results(
        "admin_list",
        {
            "faces": faces,
            "votes": votes,
            "open_reports": open_reports,
            "runs": args.runs,
            "pages": results,
        },
        args.json,
    )


if __name__ == "__main__":
    main()
