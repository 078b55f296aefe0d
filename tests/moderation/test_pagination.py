"""EstimatedCountPaginator: exact counts when cheap, the planner's estimate otherwise."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facegallery.gallery.models import Face, FaceStatus
from facegallery.moderation import pagination
from facegallery.moderation.pagination import EstimatedCountPaginator
from tests.factories import FaceFactory


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE gallery_face")


@pytest.fixture
def small_limit(monkeypatch) -> int:
    monkeypatch.setattr(pagination, "EXACT_LIMIT", 3)
    return 3


def count_of(queryset) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(queryset, 50).count
    return count, [q["sql"] for q in queries.captured_queries]


def test_an_unfiltered_list_uses_the_table_estimate_and_counts_nothing(faces, small_limit):
    analyze()
    FaceFactory.create_batch(10)  # not analysed yet: the estimate still says 6
    count, queries = count_of(Face.objects.order_by("-id"))
    assert count == len(faces)
    assert not any("COUNT(" in sql.upper() for sql in queries)


def test_a_small_table_is_counted_exactly(faces):
    analyze()
    FaceFactory.create_batch(10)
    assert count_of(Face.objects.order_by("-id"))[0] == len(faces) + 10


def test_a_filtered_list_under_the_cap_is_counted_exactly(faces, small_limit):
    Face.objects.filter(pk__in=[faces[0].pk, faces[1].pk]).update(status=FaceStatus.HIDDEN)
    count, queries = count_of(Face.objects.filter(status=FaceStatus.HIDDEN).order_by("-id"))
    assert count == 2
    counts = [sql for sql in queries if "COUNT(" in sql.upper()]
    assert len(counts) == 1 and "LIMIT 4" in counts[0]  # a bounded scan, not the whole table


def test_a_filtered_list_over_the_cap_gets_the_planners_estimate(faces, small_limit):
    FaceFactory.create_batch(20, status=FaceStatus.HIDDEN)
    analyze()
    count, queries = count_of(Face.objects.filter(status=FaceStatus.HIDDEN).order_by("-id"))
    assert count > small_limit
    assert queries[-1].upper().startswith("EXPLAIN")


def test_a_plain_list_is_counted_as_usual(faces):
    assert EstimatedCountPaginator(list(range(7)), 5).count == 7


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_a_slow_exact_count_gives_way_to_the_estimate_and_leaves_no_timeout_behind(
    faces, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNT_TIMEOUT_MS", 50)
    before = statement_timeout()
    # 0.05 s a row: counting 6 rows takes 0.3 s, past the 50 ms allowed.
    slow = Face.objects.extra(where=["pg_sleep(0.05 + 0 * gallery_face.id) IS NOT NULL"])
    count, queries = count_of(slow.order_by("-id"))
    assert queries[-1].upper().startswith("EXPLAIN")
    assert count >= 0
    assert statement_timeout() == before
    assert Face.objects.count() == len(faces)  # the transaction is still usable


def test_an_exact_count_leaves_the_statement_timeout_as_it_was(faces):
    before = statement_timeout()
    assert count_of(Face.objects.filter(status=FaceStatus.VISIBLE).order_by("-id"))[0] == 6
    assert statement_timeout() == before
