"""The lean vote path (voting/lean.py, one PL/pgSQL call) ends exactly where vote_cast ends:
the same answers, rows, counters, ranking columns and voter records for the same votes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.ranking import face_ranking
from facegallery.voting.lean import vote_cast_lean
from facegallery.voting.models import Block, Vote, Voter
from facegallery.voting.ratelimit import RateLimited
from facegallery.voting.services import (
    VotingError,
    face_counters_refresh,
    vote_cast,
    voter_votes_vouch,
)
from facegallery.voting.tasks import voter_votes_vouch_task
from facegallery.voting.voters import TooManyNewVoters
from tests.factories import FaceFactory, voter_record

pytestmark = pytest.mark.django_db

Cast = Callable[..., object]
# (voter, face index, label): a vote; ("void", voter, face index): a moderator voids it.
SCRIPT: list[tuple[Any, ...]] = [
    ("est1", 0, "interesting"),  # counted
    ("est2", 0, "boring"),  # counted: the prefix's second
    ("est3", 0, "interesting"),  # over the prefix's cap of 2: kept, uncounted
    ("est1", 0, "interesting"),  # the same again: nothing changes
    ("est1", 0, "boring"),  # a counted vote changes its label
    ("est3", 0, "boring"),  # an uncounted one changes its label, counters stay
    ("fresh", 0, "interesting"),  # a new voter: pending
    ("fresh", 0, "boring"),
    ("fresh", 1, "boring"),
    ("account", 1, "interesting"),  # vouched for: counted, no prefix
    ("account", 1, "interesting"),
    ("void", "est2", 0),
    ("est2", 0, "interesting"),  # voided stays voided
    ("blocked", 1, "boring"),  # 403
    ("est1", 2, "boring"),  # a hidden face: 404
    ("est1", 1, "meh"),  # not a label: 400
    ("est1", 10**12, "boring"),  # no such face: 404
]


def replay(cast: Cast, tag: str, settings) -> tuple[list, dict]:
    """Run SCRIPT through `cast` on faces and voters of its own; the answers and what the
    database holds afterwards, with ids replaced by names."""
    settings.VOTE_COUNTED_PER_FACE_PREFIX = 2
    faces = FaceFactory.create_batch(3)
    Face.objects.filter(pk=faces[2].pk).update(status=FaceStatus.HIDDEN)
    ids = [face.pk for face in faces]
    names = {f"{tag}-{name}": name for name in ("est1", "est2", "est3", "fresh", "blocked")}
    key = {name: "anon:" + full for full, name in names.items()} | {"account": f"user:{tag}"}
    prefix = f"prefix-{tag}"
    for name in ("est1", "est2", "est3", "blocked"):
        voter_record(key[name], established=True, ip_prefix_hash=prefix)
    Block.objects.create(kind=Block.Kind.VOTER, value=key["blocked"])
    answers = []
    for step in SCRIPT:
        if step[0] == "void":
            Vote.objects.filter(voter=key[step[1]], face_id=ids[step[2]]).update(voided=True)
            face_counters_refresh(face_ids=ids)
            continue
        name, face, label = step
        since = None if name == "account" else timezone.now() - timedelta(minutes=1)
        try:
            result = cast(
                face_id=ids[face] if face < len(ids) else face, voter=key[name], label=label,
                ip_hash=f"ip-{tag}-{name}", ip_prefix_hash=prefix, voter_since=since,
            )  # fmt: skip
            answers.append({**vars(result), "face_id": face})
        except (VotingError, RateLimited) as error:  # the refusals are compared too
            answers.append({"refused": type(error).__name__, "message": str(error)})
    back = {v: k for k, v in key.items()}
    votes = Vote.objects.filter(face_id__in=ids)
    rows = sorted(
        (back[voter], ids.index(face), label, counted, trusted, voided)
        for face, voter, label, counted, trusted, voided in votes.values_list(
            "face_id", "voter", "label", "counted", "trusted", "voided"
        )
    )
    counters = list(
        Face.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list(
            "interesting_count",
            "boring_count",
            "wilson_interesting",
            "wilson_boring",
            "controversy",
        )
    )
    records = sorted(
        (back[k], votes, fast, established is not None)
        for k, votes, fast, established in Voter.objects.filter(key__in=key.values()).values_list(
            "key", "votes_cast", "fast_votes", "established_at"
        )
    )
    for answer in answers:  # face ids differ between the runs: name them by index
        for index, face_id in reversed(list(enumerate([*ids, 10**12]))):
            answer["message"] = answer.get("message", "").replace(str(face_id), f"#{index}")
    return answers, {"rows": rows, "counters": counters, "voters": records}


def test_the_lean_path_ends_where_vote_cast_ends_for_the_same_votes(settings):
    answers, state = replay(vote_cast, "old", settings)
    lean_answers, lean_state = replay(vote_cast_lean, "lean", settings)
    assert lean_answers == answers
    assert lean_state == state
    # The script did what it says: a counted, an uncounted, a pending and a voided vote.
    assert {row[3:] for row in state["rows"]} == {
        (True, True, False), (False, True, False), (False, False, False), (True, True, True),
    }  # fmt: skip
    assert [a.get("refused") for a in answers[-4:]] == [
        "VoterBlocked", "FaceNotFound", "VotingError", "FaceNotFound",
    ]  # fmt: skip


def test_the_ranking_columns_are_bit_for_bit_those_of_python():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i, b, voting_wilson_lower_bound(i, i + b), "
            "voting_wilson_lower_bound(b, i + b), voting_controversy(i, b) "
            "FROM generate_series(0, 60) i, generate_series(0, 60) b"
        )
        rows = cursor.fetchall()
    assert len(rows) == 61 * 61
    for i, b, wilson_i, wilson_b, controversy in rows:
        assert (wilson_i, wilson_b, controversy) == tuple(face_ranking(i, b).values()), (i, b)


def test_the_vote_that_establishes_a_voter_sends_its_pending_votes_once(
    settings, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[str] = []
    monkeypatch.setattr(voter_votes_vouch_task, "delay", sent.append)
    faces = FaceFactory.create_batch(3)
    voter = "anon:" + "5" * 32
    record = voter_record(voter, established=False, votes=settings.VOTER_ESTABLISHED_VOTES - 2)
    Voter.objects.filter(pk=record.pk).update(
        first_vote_at=timezone.now() - timedelta(minutes=11),
        last_vote_at=timezone.now() - timedelta(minutes=1),
    )
    since = timezone.now() - timedelta(minutes=20)
    with django_capture_on_commit_callbacks(execute=True):
        first = vote_cast_lean(face_id=faces[0].pk, voter=voter, label="boring", voter_since=since)
        Voter.objects.filter(pk=record.pk).update(
            last_vote_at=timezone.now() - timedelta(minutes=1)
        )
        second = vote_cast_lean(face_id=faces[1].pk, voter=voter, label="boring", voter_since=since)
        third = vote_cast_lean(face_id=faces[2].pk, voter=voter, label="boring", voter_since=since)
    assert (first.pending, second.pending, third.pending) == (True, False, False)
    assert sent == [voter]  # at the vote that established it, not after
    assert voter_votes_vouch(voter=sent[0]) == 1  # the pending first vote now counts
    assert Vote.objects.filter(voter=voter, counted=True).count() == 3


def test_new_voters_over_their_prefix_cap_are_refused_and_nothing_is_written(settings):
    settings.NEW_VOTERS_PER_PREFIX_HOUR = 2
    face = FaceFactory.create()
    now = timezone.now()
    for n in range(2):
        vote_cast_lean(face_id=face.pk, voter=f"anon:{n:032x}", label="boring",
                       ip_prefix_hash="crowded", voter_since=now)  # fmt: skip
    with pytest.raises(TooManyNewVoters) as refused:
        vote_cast_lean(face_id=face.pk, voter="anon:" + "f" * 32, label="boring",
                       ip_prefix_hash="crowded", voter_since=now)  # fmt: skip
    assert 3500 < refused.value.retry_after <= 3600
    assert Vote.objects.count() == Voter.objects.count() == 2
