"""A paginator that never counts a million rows to draw a page of fifty.

Django's paginator runs COUNT(*) over the whole filtered queryset for every page, which at
1,000,000 faces (or 5,000,000 votes) costs more than the page itself. This one counts
exactly only when that is cheap:

- unfiltered: the planner's row estimate, pg_class.reltuples (kept by ANALYZE/autovacuum);
- filtered: an exact count capped at EXACT_LIMIT rows and COUNT_TIMEOUT_MS of work (a
  rare condition on an unindexed column would otherwise scan the whole table to find
  that it matches a few rows); past either, the planner's estimate for the filtered
  query (EXPLAIN, no execution).

An estimated count is off by a little, so the last page may come out short or empty; the
admin's page links stay usable and no request ever scans the whole table to count it.
"""

from __future__ import annotations

import json
import logging

from django.core.paginator import Paginator
from django.db import OperationalError, connections, transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)

EXACT_LIMIT = 10_000  # rows counted exactly at most: a ~10 ms index scan
COUNT_TIMEOUT_MS = 150  # an exact count that takes longer is not worth waiting for


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if not queryset.query.where and not queryset.query.distinct:
            estimate = table_row_estimate(queryset.model, queryset.db)
            if estimate is not None and estimate > EXACT_LIMIT:
                return estimate
        exact = capped_count(queryset, EXACT_LIMIT + 1, COUNT_TIMEOUT_MS)
        if exact is not None and exact <= EXACT_LIMIT:
            return exact
        estimate = query_row_estimate(queryset)
        return max(estimate, EXACT_LIMIT + 1) if exact is not None else estimate


def capped_count(queryset, cap: int, timeout_ms: int) -> int | None:
    """min(count, cap), or None when counting takes longer than timeout_ms."""
    connection = connections[queryset.db]
    # values("pk") leaves annotations out of the counted subquery.
    counted = queryset.order_by().values("pk")[:cap]
    try:
        # SET LOCAL lasts to the end of the transaction: the savepoint's rollback undoes it
        # on a timeout, and it is set back by hand otherwise.
        with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'),"
                " set_config('statement_timeout', %s, true)",
                [f"{timeout_ms}ms"],
            )
            previous = cursor.fetchone()[0]
            count = counted.count()
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return count
    except OperationalError as exc:  # psycopg's QueryCanceled
        if getattr(exc.__cause__, "sqlstate", None) != "57014":
            raise
        logger.info("exact count of %s gave up after %d ms", queryset.model.__name__, timeout_ms)
        return None


def table_row_estimate(model, using: str = "default") -> int | None:
    """The planner's row count of the model's table, or None if it was never analysed."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    # -1 (PostgreSQL 14+) or 0 means never vacuumed or analysed: no estimate to trust.
    if row is None or row[0] <= 0:
        return None
    return int(row[0])


def query_row_estimate(queryset) -> int:
    """The planner's estimate of how many rows the queryset matches (EXPLAIN, no execution)."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
