"""The lean vote path: vote_cast in one round trip to PostgreSQL (issue 18).

vote_cast_lean is vote_cast (services.py) with the same rules, answers and errors, done by
voting_vote_cast() (migration 0004), one PL/pgSQL call. Outside a transaction that call is
its own transaction, so when it returns the vote is committed: an acknowledged vote is a
row, and the counters moved with it. vote_cast stays the reference: tests run the same
sequences of votes through both and compare rows, counters and answers.
"""

from __future__ import annotations

import select
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from facegallery.gallery.ids import face_id_valid
from facegallery.voting.models import LABEL_VALUES, Label
from facegallery.voting.services import FaceNotFound, VoterBlocked, VoteResult, VotingError
from facegallery.voting.tasks import voter_votes_vouch_task
from facegallery.voting.voters import (
    FAST_SHARE_MAX,
    HUMAN_GAP,
    NEW_VOTER_WINDOW,
    TooManyNewVoters,
)

# Typed placeholders: psycopg sends each parameter with the type of its Python value (an
# int as int2, int4 or int8 by its size), and the call must resolve whatever the values.
_TYPES = "bigint text text text text timestamptz timestamptz integer integer interval interval "
_TYPES += "integer integer interval"
_CALL = "SELECT * FROM voting_vote_cast(" + ", ".join(f"%s::{t}" for t in _TYPES.split()) + ")"


def vote_cast_lean(
    *,
    face_id: int,
    voter: str,
    label: str,
    ip_hash: str = "",
    ip_prefix_hash: str = "",
    voter_since: datetime | None = None,
) -> VoteResult:
    """Record `voter`'s label for a visible face, or change it, as vote_cast does (its
    docstring holds); raises VotingError, FaceNotFound, VoterBlocked or TooManyNewVoters
    as it does, having written nothing."""
    if label not in LABEL_VALUES:
        raise VotingError(f"label must be one of {', '.join(Label.values)}")
    if not face_id_valid(face_id):
        raise FaceNotFound(f"face {face_id} does not exist")
    _connection_checked()
    params = [
        face_id,
        voter,
        label,
        ip_hash,
        ip_prefix_hash,
        voter_since,
        timezone.now(),
        settings.VOTE_COUNTED_PER_FACE_PREFIX,
        settings.VOTER_ESTABLISHED_VOTES,
        timedelta(minutes=settings.VOTER_ESTABLISHED_MINUTES),
        HUMAN_GAP,
        FAST_SHARE_MAX,
        settings.NEW_VOTERS_PER_PREFIX_HOUR,
        NEW_VOTER_WINDOW,
    ]
    connection.ensure_connection()
    assert connection.connection is not None
    # A server-side binding cursor (Django's bind on the client, in Python): psycopg sends
    # the parameters apart and prepares the call after a few uses, so PostgreSQL plans it
    # once per connection, not per vote. Wrapped as Django wraps its own cursors (errors,
    # execute wrappers, the query log).
    database: Any = connection  # _prepare_cursor: BaseDatabaseWrapper.cursor()'s wrapping
    with database._prepare_cursor(psycopg.Cursor(connection.connection)) as cursor:
        cursor.execute(_CALL, params)
        row = cursor.fetchone()
    assert row is not None  # the function always answers one row
    outcome, retry_after, interesting, boring, changed, counted, pending, established = row
    if outcome == "blocked":
        raise VoterBlocked("you are blocked from voting")
    if outcome == "not_found":
        raise FaceNotFound(f"face {face_id} does not exist")
    if outcome == "new_voters":
        raise TooManyNewVoters(retry_after)
    if established:
        # Outside a transaction this runs at once (the vote is committed); inside one (a
        # test's), on its commit, as vote_cast's.
        transaction.on_commit(partial(voter_votes_vouch_task.delay, voter))
    return VoteResult(face_id, label, interesting, boring, changed, counted, pending)


def _connection_checked() -> None:
    """Replace a connection the server has closed, without Django's per-request SELECT 1.

    CONN_HEALTH_CHECKS spends a round trip per request on `SELECT 1`: as much as the vote.
    A server that restarted or dropped the connection has sent its goodbye (or EOF), so the
    idle socket is readable; nothing else arrives on an idle connection here (no LISTEN).
    One zero-timeout select() tells, and the vote then goes out on a fresh connection.
    """
    raw = connection.connection
    if raw is None or connection.in_atomic_block:
        return  # not connected yet (connects fresh), or a transaction's (a test): as it is
    readable, _, _ = select.select([raw.fileno()], [], [], 0)
    if readable:
        connection.close()
    else:
        database: Any = connection  # the flag CONN_HEALTH_CHECKS sets
        database.health_check_done = True  # the check Django would make, made
