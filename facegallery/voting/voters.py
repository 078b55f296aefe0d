"""A voter's standing: the cap on new voters per IP prefix, and when a voter is established.

Called by vote_cast inside its transaction (the face row locked), once per vote:

- A voter that a caller vouches for (an account, a simulation: `since` None) has no Voter
  row and is established.
- An anonymous voter's first vote creates its Voter row, unless its IP prefix already saw
  NEW_VOTERS_PER_PREFIX_HOUR new voters in the past hour (a moving window, counted from the
  rows, so it holds while Redis is down): then TooManyNewVoters (429), nothing written. The
  count is serialised per prefix by a transaction-scoped advisory lock. A voter coming back
  with votes from before these rows existed starts from those votes and is not new.
- Each vote updates the track record in one statement: votes cast, and "fast" votes (cast
  within HUMAN_GAP of the voter's previous one). The voter becomes established, for good,
  at the first vote where its first vote is VOTER_ESTABLISHED_MINUTES old, it has cast
  VOTER_ESTABLISHED_VOTES votes, and at most a fifth of them were fast.

A fresh voter's votes are kept but move nothing: they are pending (services.py), out of the
rankings and out of training (scoring/services/labels.py). When the voter becomes
established they join both: its pending votes are counted (under the per-face cap) by
voter_votes_vouch, run once, after the vote that established it commits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from facegallery.voting.models import Vote, Voter
from facegallery.voting.ratelimit import RateLimited

HUMAN_GAP = timedelta(milliseconds=500)  # nobody looks at a face and judges it faster
FAST_SHARE_MAX = 5  # established: fast_votes * 5 <= votes_cast (at most a fifth fast)
NEW_VOTER_WINDOW = timedelta(hours=1)

_VOTER = Voter._meta.db_table
_VOTE = Vote._meta.db_table


class TooManyNewVoters(RateLimited):
    """The voter's network brought too many new voters this hour (429, Retry-After)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.args = (
            "too many new voters from your network this hour: "
            f"try again in {math.ceil(self.retry_after / 60)} min",
        )


@dataclass(frozen=True)
class Standing:
    established: bool
    just_established: bool = False  # by this vote: its pending votes are to be counted


def voter_touch(*, voter: str, since: datetime | None, ip_prefix_hash: str) -> Standing:
    """Record one vote by `voter` and say where it stands (see the docstring)."""
    if since is None or not voter.startswith("anon:"):
        return Standing(established=True)
    now = timezone.now()
    row = _touch(voter, now)
    if row is None:
        _register(voter, since, ip_prefix_hash, now)
        row = _touch(voter, now)
        assert row is not None  # the row exists now (ours or a concurrent vote's)
    established_at = row[0]
    return Standing(established_at is not None, just_established=established_at == now)


def _touch(voter: str, now: datetime) -> tuple[datetime | None] | None:
    """One vote on the voter's row: (when it became established or None), or None when it
    has no row yet.

    The SET expressions read the row as it was before this UPDATE (PostgreSQL semantics).
    """
    fast = "CASE WHEN %(now)s - last_vote_at < %(gap)s THEN 1 ELSE 0 END"
    # psycopg sends a timedelta as an interval (the stubs' parameter types leave it out).
    params: dict[str, Any] = {
        "now": now,
        "gap": HUMAN_GAP,
        "votes": settings.VOTER_ESTABLISHED_VOTES,
        "age": timedelta(minutes=settings.VOTER_ESTABLISHED_MINUTES),
        "share": FAST_SHARE_MAX,
        "voter": voter,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{_VOTER}" SET votes_cast = votes_cast + 1, '
            f"fast_votes = fast_votes + {fast}, last_vote_at = %(now)s, "
            "established_at = COALESCE(established_at, CASE WHEN "
            "votes_cast + 1 >= %(votes)s AND %(now)s - first_vote_at >= %(age)s "
            f"AND (fast_votes + {fast}) * %(share)s <= votes_cast + 1 THEN %(now)s END) "
            "WHERE key = %(voter)s RETURNING established_at",
            params,
        )
        return cursor.fetchone()


def _register(voter: str, since: datetime, ip_prefix_hash: str, now: datetime) -> None:
    """Create the voter's row, within the cap on new voters per prefix (before _touch)."""
    with connection.cursor() as cursor:
        # Votes from before voter rows existed: the voter is not new, its record starts there.
        cursor.execute(f'SELECT count(*), min(created) FROM "{_VOTE}" WHERE voter = %s', [voter])
        earlier, first = cursor.fetchone()
        if not earlier and ip_prefix_hash:
            _new_voter_check(cursor, ip_prefix_hash, now)
        # The vote being cast is counted by the _touch that follows; last_vote_at so that
        # it is not a fast one.
        cursor.execute(
            f'INSERT INTO "{_VOTER}" (key, ip_prefix_hash, minted_at, first_vote_at, '
            "last_vote_at, votes_cast, fast_votes) VALUES (%s, %s, %s, %s, %s, %s, 0) "
            "ON CONFLICT (key) DO NOTHING",
            [voter, ip_prefix_hash, min(since, now), first or now, now - HUMAN_GAP, earlier],
        )


def _new_voter_check(cursor, ip_prefix_hash: str, now: datetime) -> None:
    """Raise TooManyNewVoters when the prefix is at its cap for the past hour."""
    # One new voter at a time per prefix: two concurrent first votes cannot both take
    # the last place (the lock ends with the transaction).
    cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", [ip_prefix_hash])
    cursor.execute(
        f'SELECT count(*), min(first_vote_at) FROM "{_VOTER}" '
        "WHERE ip_prefix_hash = %s AND first_vote_at > %s",
        [ip_prefix_hash, now - NEW_VOTER_WINDOW],
    )
    count, oldest = cursor.fetchone()
    if count >= settings.NEW_VOTERS_PER_PREFIX_HOUR:
        raise TooManyNewVoters(math.ceil((oldest + NEW_VOTER_WINDOW - now).total_seconds()))
