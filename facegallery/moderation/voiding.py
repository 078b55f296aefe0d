"""Voiding votes at scale: by voters, IP hash, IP prefix hash, face and time window (any
combination, at least one), in bulk SQL, in the background.

A voided vote is kept for the record and leaves the counters, the rankings, training and
exports. votes_void does the work; vote_void_job_create records a VoidJob and queues
vote_void_job_run (the Celery task's body), which runs it with progress in the admin. The
work:

1. list the faces the selection touches (one query over the vote indexes);
2. per chunk of VOID_CHUNK faces, one transaction: lock the faces in id order (as vote_cast
   and every moderation service do: no deadlocks), void the matching votes (one UPDATE),
   recount the faces' counters and rankings in bulk (voting.services.faces_counters_recount),
   count the voided votes against the scorer versions that trained on them and roll back the
   active one if it is now tainted (scoring.services.versions), and record the job's
   progress. A job that fails halfway leaves whole chunks done, each consistent.
3. record ModerationEvents: one for the void, one for each rollback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from facegallery.moderation.models import Action, ModerationEvent, VoidJob
from facegallery.scoring.services.versions import Rollback, scorer_versions_votes_voided
from facegallery.tuning.services.rollouts import generator_versions_votes_voided
from facegallery.voting.models import Vote
from facegallery.voting.services import faces_counters_recount, faces_lock

logger = logging.getLogger(__name__)

VOID_CHUNK = 500  # faces per transaction: short locks, a few statements each
MAX_VOTERS = 5000  # voters named in one job


class VoidError(Exception):
    """A void that cannot be carried out; the message is safe to show."""


@dataclass(frozen=True)
class VoteSelection:
    """Which votes to void: those matching every filter given."""

    voters: tuple[str, ...] = ()
    ip_hash: str = ""
    ip_prefix_hash: str = ""
    face_id: int | None = None
    since: datetime | None = None  # cast at or after
    until: datetime | None = None  # cast before

    def check(self) -> None:
        filters = (
            self.voters,
            self.ip_hash,
            self.ip_prefix_hash,
            self.face_id,
            self.since,
            self.until,
        )
        if not any(value not in ((), "", None) for value in filters):
            raise VoidError("name a voter, an IP hash, an IP prefix, a face or a time window")
        if len(self.voters) > MAX_VOTERS:
            raise VoidError(f"at most {MAX_VOTERS} voters at once")
        if self.since and self.until and self.since >= self.until:
            raise VoidError("the time window ends before it starts")

    def q(self) -> Q:
        q = Q(voided=False)
        if self.voters:
            q &= Q(voter__in=self.voters)
        if self.ip_hash:
            q &= Q(ip_hash=self.ip_hash)
        if self.ip_prefix_hash:
            q &= Q(ip_prefix_hash=self.ip_prefix_hash)
        if self.face_id is not None:
            q &= Q(face_id=self.face_id)
        if self.since is not None:
            q &= Q(created__gte=self.since)
        if self.until is not None:
            q &= Q(created__lt=self.until)
        return q

    def described(self) -> dict:
        """The filters given, for the audit log (JSON)."""
        values = asdict(self)
        values["voters"] = list(self.voters[:20]) + (
            [f"… {len(self.voters)} in all"] if len(self.voters) > 20 else []
        )
        for name in ("since", "until"):
            values[name] = values[name].isoformat() if values[name] else None
        return {name: value for name, value in values.items() if value not in ("", None, [])}

    def target(self) -> str:
        """What the audit log's target column shows (64 characters)."""
        return (
            (self.voters[0] if len(self.voters) == 1 else "") or self.ip_hash or self.ip_prefix_hash
        )


@dataclass
class VoidResult:
    votes: int = 0
    faces: int = 0
    rollbacks: list[Rollback] = field(default_factory=list)


def _record(actor: User | None, action: str, *, target: str, before: dict, after: dict) -> None:
    event = ModerationEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "(system)",
        action=action,
        target=target[:64],
        before=before,
        after=after,
    )
    logger.info("moderation: %s", event)


def votes_void(
    *,
    selection: VoteSelection,
    actor: User | None,
    action: str = Action.VOTES_VOID,
    progress: Callable[[int, int, int], None] | None = None,
) -> VoidResult:
    """Void every vote the selection matches (see the module docstring); `progress(faces
    done, faces in all, votes voided)` is called after each chunk, in its transaction."""
    selection.check()
    face_ids = sorted(
        set(Vote.objects.filter(selection.q()).values_list("face_id", flat=True).distinct())
    )
    result = VoidResult(faces=len(face_ids))
    for start in range(0, len(face_ids), VOID_CHUNK):
        chunk = face_ids[start : start + VOID_CHUNK]
        with transaction.atomic():
            _void_chunk(selection, chunk, actor, result)
            if progress is not None:
                progress(start + len(chunk), len(face_ids), result.votes)
    _record(
        actor,
        action,
        target=selection.target(),
        before={"active_votes": result.votes, "filters": selection.described()},
        after={"voided_votes": result.votes, "faces": result.faces},
    )
    return result


def _void_chunk(selection: VoteSelection, chunk: list[int], actor, result: VoidResult) -> None:
    faces_locked = faces_lock(chunk)
    votes = Vote.objects.filter(selection.q(), face_id__in=faces_locked)
    ids = list(votes.values_list("pk", flat=True))
    Vote.objects.filter(pk__in=ids).update(voided=True, voided_at=timezone.now())
    faces_counters_recount(faces_locked)
    result.votes += len(ids)
    # A generator version steered by these votes stops drawing (tuning/services/rollouts.py).
    generator_versions_votes_voided(vote_ids=ids)
    rollback = scorer_versions_votes_voided(vote_ids=ids)
    if rollback is not None:
        result.rollbacks.append(rollback)
        _record(
            actor,
            Action.SCORER_ROLLBACK,
            target=f"scorer v{rollback.version}",
            before={
                "active": rollback.version,
                "voided_votes": rollback.voided_votes,
                "votes_seen": rollback.votes_seen,
            },
            after={"active": rollback.reactivated, "retrain": "queued"},
        )


# --- Jobs ---------------------------------------------------------------------------------------


def vote_void_job_create(
    *, selection: VoteSelection, requested_by: User, reason: str = ""
) -> VoidJob:
    """Validate the selection, record the job and queue it once the row is committed."""
    from facegallery.moderation.tasks import vote_void_job_run as vote_void_job_run_task

    selection.check()
    job = VoidJob.objects.create(
        voters=list(selection.voters),
        ip_hash=selection.ip_hash,
        ip_prefix_hash=selection.ip_prefix_hash,
        face_id=selection.face_id,
        since=selection.since,
        until=selection.until,
        reason=reason[:200],
        requested_by=requested_by,
    )
    transaction.on_commit(lambda: vote_void_job_run_task.delay(job.pk))
    return job


def _job_selection(job: VoidJob) -> VoteSelection:
    return VoteSelection(
        voters=tuple(str(voter) for voter in job.voters),
        ip_hash=job.ip_hash,
        ip_prefix_hash=job.ip_prefix_hash,
        face_id=job.face_id,
        since=job.since,
        until=job.until,
    )


def vote_void_job_run(*, job_id: int) -> VoidJob | None:
    """Run a queued job. A job already claimed (a redelivered task) is left alone."""
    claimed = VoidJob.objects.filter(pk=job_id, status=VoidJob.Status.QUEUED).update(
        status=VoidJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = VoidJob.objects.select_related("requested_by").get(pk=job_id)

    def progress(done: int, total: int, votes: int) -> None:
        VoidJob.objects.filter(pk=job_id).update(
            faces_done=done, faces_total=total, votes_voided=votes
        )

    try:
        result = votes_void(
            selection=_job_selection(job), actor=job.requested_by, progress=progress
        )
    except VoidError as exc:
        _finish(job_id, VoidJob.Status.FAILED, error=str(exc))
        return VoidJob.objects.get(pk=job_id)
    except Exception as exc:
        _finish(job_id, VoidJob.Status.FAILED, error=f"internal error ({type(exc).__name__})")
        raise
    rolled_back = result.rollbacks[0].version if result.rollbacks else None
    _finish(
        job_id,
        VoidJob.Status.DONE,
        faces_total=result.faces,
        faces_done=result.faces,
        votes_voided=result.votes,
        rolled_back=rolled_back,
    )
    return VoidJob.objects.get(pk=job_id)


def _finish(job_id: int, status: str, error: str = "", **fields) -> None:
    VoidJob.objects.filter(pk=job_id).update(
        status=status, error=error[:500], finished_at=timezone.now(), **fields
    )
    logger.info("void job %s %s %s", job_id, status, error)
