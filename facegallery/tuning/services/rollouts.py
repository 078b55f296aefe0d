"""Rollouts: a candidate version draws a share of new batches beside the active version (or
the base weights), and the interesting share of each arm's votes decides whether it replaces
the active one (statistics.rollout_verdict).

The rails are enforced here too: only a version whose rails passed may become CANDIDATE or
ACTIVE (decoders.py refuses to load any other, should one get there by hand).
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from facegallery.gallery.models import GeneratorVersion, VersionStatus
from facegallery.tuning import selectors
from facegallery.tuning.models import Rollout
from facegallery.tuning.statistics import Verdict, difference_interval, rollout_verdict

logger = logging.getLogger(__name__)


class RolloutError(Exception):
    """A rollout change that cannot be made; the message is safe to show."""


def _locked(version: int) -> GeneratorVersion:
    row = GeneratorVersion.objects.select_for_update().filter(version=version).first()
    if row is None:
        raise RolloutError(f"generator version {version} does not exist")
    return row


@transaction.atomic
def rollout_start(*, version: int, share: float | None = None) -> Rollout:
    """Make `version` the candidate: it draws `share` of new batches (default
    TUNING_ROLLOUT_PERCENT) against the active version, or the base weights without one."""
    share = settings.TUNING_ROLLOUT_PERCENT / 100 if share is None else share
    if not 0 < share <= 1:
        raise RolloutError(f"a rollout share must be in (0, 1], got {share}")
    candidate = _locked(version)
    if not selectors.rails_passed(candidate):
        raise RolloutError(f"{candidate} did not pass its rails: it may never draw")
    if candidate.status != VersionStatus.TRAINED:
        raise RolloutError(f"{candidate} is {candidate.get_status_display()}, not fresh")
    running = GeneratorVersion.objects.select_for_update().filter(status=VersionStatus.CANDIDATE)
    if running.exists():
        raise RolloutError(f"{running.get()} is in its rollout: stop it first")
    control = (
        GeneratorVersion.objects.select_for_update().filter(status=VersionStatus.ACTIVE).first()
    )
    candidate.status = VersionStatus.CANDIDATE
    candidate.rollout_share = share
    candidate.save(update_fields=["status", "rollout_share"])
    rollout = Rollout.objects.create(candidate=candidate, control=control)
    logger.info("%s: rollout started, %.0f%% of batches", candidate, 100 * share)
    return rollout


def _arms_record(rollout: Rollout) -> dict:
    arms = selectors.rollout_arms(rollout)
    low, high = difference_interval(arms.candidate, arms.control)
    return {
        "candidate": {"interesting": arms.candidate.interesting, "boring": arms.candidate.boring},
        "control": {"interesting": arms.control.interesting, "boring": arms.control.boring},
        "difference": [low, high],
    }


def _end(candidate: GeneratorVersion, status: int, note: str) -> GeneratorVersion:
    """Decide `candidate`'s rollout: its new status, why, and the arms' final figures."""
    now = timezone.now()
    candidate.status = status
    candidate.note = note[:300]
    candidate.decided_at = now
    candidate.save(update_fields=["status", "note", "decided_at"])
    rollout = Rollout.objects.filter(candidate=candidate, ended_at__isnull=True).first()
    if rollout is not None:
        rollout.ended_at = now
        rollout.arms = _arms_record(rollout)
        rollout.save(update_fields=["ended_at", "arms"])
    return candidate


def _running_locked() -> Rollout | None:
    rollout = selectors.rollout_running_get()
    if rollout is None:
        return None
    _locked(rollout.candidate.version)  # serialises decisions on the candidate's row
    rollout.candidate.refresh_from_db(fields=["status", "metrics", "note", "decided_at"])
    return rollout if rollout.candidate.status == VersionStatus.CANDIDATE else None


@transaction.atomic
def rollout_stop(*, version: int, note: str = "stopped by a moderator") -> GeneratorVersion:
    """Reject candidate `version`: its rollout ends, and it never draws a new batch again."""
    candidate = _locked(version)
    if candidate.status != VersionStatus.CANDIDATE:
        raise RolloutError(f"{candidate} is not in a rollout")
    return _end(candidate, VersionStatus.REJECTED, note)


def _promote(rollout: Rollout, note: str) -> GeneratorVersion:
    candidate = rollout.candidate
    if not selectors.rails_passed(candidate):  # never reached through rollout_start
        return _end(candidate, VersionStatus.REJECTED, "did not pass its rails")
    GeneratorVersion.objects.filter(status=VersionStatus.ACTIVE).update(
        status=VersionStatus.RETIRED, decided_at=timezone.now()
    )
    return _end(candidate, VersionStatus.ACTIVE, note)


@dataclass(frozen=True)
class Decision:
    version: int | None  # the candidate looked at (None: no rollout running)
    verdict: str  # statistics.Verdict
    reason: str


@transaction.atomic
def rollout_decide() -> Decision:
    """Look at the running rollout's arms: promote the candidate (the old active version
    retires), reject it, or wait for more votes (statistics.rollout_verdict)."""
    rollout = _running_locked()
    if rollout is None:
        return Decision(None, Verdict.WAIT, "no rollout is running")
    arms = selectors.rollout_arms(rollout)
    verdict, reason = rollout_verdict(
        candidate=arms.candidate,
        control=arms.control,
        min_votes=settings.TUNING_ROLLOUT_MIN_VOTES,
        max_votes=settings.TUNING_ROLLOUT_MAX_VOTES,
    )
    if verdict == Verdict.PROMOTE:
        version = _promote(rollout, reason)
        verdict = Verdict.PROMOTE if version.status == VersionStatus.ACTIVE else Verdict.REJECT
    elif verdict == Verdict.REJECT:
        _end(rollout.candidate, VersionStatus.REJECTED, reason)
    if verdict != Verdict.WAIT:
        logger.info("%s: %s (%s)", rollout.candidate, verdict, reason)
    return Decision(rollout.candidate.version, verdict, reason)


# A version whose training votes were at least this share voided later was steered by them
# (the scorer's rule: scoring/services/versions.py): it stops drawing at once.
TAINTED_SHARE = 0.05


@transaction.atomic
def generator_versions_votes_voided(*, vote_ids: Sequence[int]) -> list[int]:
    """Votes were just voided: count them against every version that trained on them
    (metrics["voided_votes"]), and stop any drawing version now tainted (TAINTED_SHARE of
    its votes voided): a candidate is rejected, the active version retired (the base weights
    draw until a version tuned without those votes wins its rollout). Returns the version
    numbers stopped."""
    ids = sorted(int(i) for i in vote_ids)
    if not ids:
        return []
    stopped = []
    versions = GeneratorVersion.objects.select_for_update().filter(max_vote_id__gte=ids[0])
    for version in versions.defer("artifact").order_by("version"):
        assert version.max_vote_id is not None  # filtered above
        seen = bisect.bisect_right(ids, version.max_vote_id)
        voided = min(version.metrics.get("voided_votes", 0) + seen, version.votes_seen)
        version.metrics = {**version.metrics, "voided_votes": voided}
        version.save(update_fields=["metrics"])
        tainted = version.votes_seen and voided / version.votes_seen >= TAINTED_SHARE
        if tainted and version.status in (VersionStatus.CANDIDATE, VersionStatus.ACTIVE):
            candidate = version.status == VersionStatus.CANDIDATE
            note = f"stopped: {voided} of its {version.votes_seen} votes voided"
            _end(version, VersionStatus.REJECTED if candidate else VersionStatus.RETIRED, note)
            stopped.append(version.version)
    if stopped:
        logger.warning("generator versions %s stopped: trained on voided votes", stopped)
    return stopped
