"""Reads for the suspicious-activity page: what one client pushing votes looks like.

- New voters per IP prefix: prefixes that brought at least NEW_VOTERS_MIN new voters in the
  window (the cap is NEW_VOTERS_PER_PREFIX_HOUR an hour; a prefix near it is a crowd behind
  one NAT, or a script).
- Bursts on one face: at least BURST_MIN_VOTES non-voided votes on one face from one IP
  prefix in the window (counted or not: an uncounted flood is still an attempt).
- Voters in lockstep: voters whose first LOCKSTEP_FACES votes in the window were on the
  same faces in the same order, starting within LOCKSTEP_SECONDS of each other: one script
  driving several identities. Honest voters in vote mode see faces in a shuffled order, so
  they rarely match on five in a row, and even more rarely within seconds.

Each reads the vote and voter indexes by time; the window is the last hour or day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Max, Min, Q

from facegallery.voting.models import Vote, Voter

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
NEW_VOTERS_MIN = 10
BURST_MIN_VOTES = 10
LOCKSTEP_FACES = 5
LOCKSTEP_SECONDS = 10
ROWS = 50  # rows per table, the biggest first


@dataclass(frozen=True)
class NewVoters:
    ip_prefix_hash: str
    voters: int
    established: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Burst:
    face_id: int
    ip_prefix_hash: str
    votes: int
    counted: int
    voters: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Lockstep:
    voters: tuple[str, ...]
    face_ids: tuple[int, ...]
    first: datetime
    last: datetime


def new_voters_by_prefix(*, since: datetime) -> list[NewVoters]:
    rows = (
        Voter.objects.filter(first_vote_at__gte=since)
        .exclude(ip_prefix_hash="")
        .values("ip_prefix_hash")
        .annotate(
            voters=Count("pk"),
            established=Count("pk", filter=Q(established_at__isnull=False)),
            first=Min("first_vote_at"),
            last=Max("first_vote_at"),
        )
        .filter(voters__gte=NEW_VOTERS_MIN)
        .order_by("-voters", "ip_prefix_hash")[:ROWS]
    )
    return [NewVoters(**row) for row in rows]


def bursts_on_faces(*, since: datetime) -> list[Burst]:
    rows = (
        Vote.objects.filter(created__gte=since, voided=False)
        .exclude(ip_prefix_hash="")
        .values("face_id", "ip_prefix_hash")
        .annotate(
            votes=Count("pk"),
            counted=Count("pk", filter=Q(counted=True)),
            voters=Count("voter", distinct=True),
            first=Min("created"),
            last=Max("created"),
        )
        .filter(votes__gte=BURST_MIN_VOTES)
        .order_by("-votes", "face_id")[:ROWS]
    )
    return [Burst(**row) for row in rows]


def voters_in_lockstep(*, since: datetime) -> list[Lockstep]:
    """Groups of voters in lockstep (see the module docstring), the biggest first."""
    sequences = (
        Vote.objects.filter(created__gte=since, voided=False)
        .values("voter")
        .annotate(
            n=Count("pk"),
            faces=ArrayAgg("face_id", order_by=("created", "pk")),
            first=Min("created"),
            last=Max("created"),
        )
        .filter(n__gte=LOCKSTEP_FACES)
        .values_list("voter", "faces", "first", "last")
    )
    by_path: dict[tuple[int, ...], list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for voter, faces, first, last in sequences:
        by_path[tuple(faces[:LOCKSTEP_FACES])].append((first, last, voter))
    groups = []
    gap = timedelta(seconds=LOCKSTEP_SECONDS)
    for path, starts in by_path.items():
        starts.sort()
        cluster = [starts[0]]
        for start in [*starts[1:], None]:  # None closes the last cluster
            if start is not None and start[0] - cluster[-1][0] <= gap:
                cluster.append(start)
                continue
            if len(cluster) >= 2:
                voters = tuple(sorted(voter for _, _, voter in cluster))
                first = min(s for s, _, _ in cluster)
                groups.append(Lockstep(voters, path, first, max(e for _, e, _ in cluster)))
            if start is not None:
                cluster = [start]
    groups.sort(key=lambda group: (-len(group.voters), group.first))
    return groups[:ROWS]
