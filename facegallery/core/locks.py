"""One run at a time across every worker on every machine: PostgreSQL session advisory locks.

A session lock (not a transaction one) because the runs it guards (scorer training, generator
tuning) commit several transactions while they hold it; it is released on exit, or by
PostgreSQL itself if the worker's connection dies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def advisory_lock_try(key: int) -> Iterator[bool]:
    """Try once to take the lock `key`; yield whether this connection got it (never waits)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
