"""Moderators' choices of the active scorer: pin a version (roll back), or release the pin;
and the automatic rollback of a version trained on votes that were voided later."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from facegallery.scoring.models import ScorerVersion


class ScorerVersionError(Exception):
    """A version change that cannot be made; the message is safe to show."""


@transaction.atomic
def scorer_version_pin(*, version: int) -> ScorerVersion:
    """Make `version` the active scorer and pin it: retraining stores new versions but does
    not activate them until the pin is released. Pinning an older version is a rollback."""
    target = ScorerVersion.objects.select_for_update().filter(version=version).first()
    if target is None:
        raise ScorerVersionError(f"scorer version {version} does not exist")
    ScorerVersion.objects.filter(is_active=True).exclude(pk=target.pk).update(
        is_active=False, pinned=False
    )
    target.is_active = True
    target.pinned = True
    target.save(update_fields=["is_active", "pinned"])
    return target


@transaction.atomic
def scorer_version_unpin() -> ScorerVersion | None:
    """Release the pin: the active version stays active until a better one is trained."""
    active = ScorerVersion.objects.select_for_update().filter(is_active=True).first()
    if active is not None and active.pinned:
        active.pinned = False
        active.save(update_fields=["pinned"])
    return active


# A version whose training votes were at least this share voided later (spam found after
# the fact) was steered by them: it is rolled back at once.
TAINTED_SHARE = 0.05


@dataclass(frozen=True)
class Rollback:
    version: int  # the tainted version that was active
    voided_votes: int
    votes_seen: int
    reactivated: int | None  # the clean version active now, or None: no filter


@transaction.atomic
def scorer_versions_votes_voided(*, vote_ids: Iterable[int]) -> Rollback | None:
    """Votes were just voided: count them against every version that trained on them, and
    if the active version is now tainted (TAINTED_SHARE of its votes voided), roll it back:
    the newest earlier version that was promoted and is clean becomes active (None if
    there is none: generation admits everything), and a retrain without the voided votes
    is enqueued. A pinned version is rolled back too: the pin chose a scorer, not its spam.
    Versions trained before max_vote_id was recorded cannot tell and are left alone.
    """
    from facegallery.scoring.tasks import scorer_retrain as scorer_retrain_task

    ids = np.sort(np.fromiter(vote_ids, dtype=np.int64))
    if not len(ids):
        return None
    versions = list(
        ScorerVersion.objects.select_for_update()
        .filter(max_vote_id__isnull=False, max_vote_id__gte=int(ids[0]))
        .order_by("version")
    )
    for version in versions:
        assert version.max_vote_id is not None  # filtered above
        seen = int(np.searchsorted(ids, version.max_vote_id, side="right"))
        version.voided_votes = min(version.voided_votes + seen, version.votes_seen)
    ScorerVersion.objects.bulk_update(versions, ["voided_votes"])
    active = next((version for version in versions if version.is_active), None)
    if active is None or active.voided_share < TAINTED_SHARE:
        return None
    clean = next(
        (
            version
            for version in ScorerVersion.objects.select_for_update()
            .filter(version__lt=active.version, promoted=True)
            .order_by("-version")
            if version.voided_share < TAINTED_SHARE
        ),
        None,
    )
    note = f"rolled back: {active.voided_votes} of its {active.votes_seen} votes voided"
    ScorerVersion.objects.filter(pk=active.pk).update(is_active=False, pinned=False, note=note)
    if clean is not None:
        ScorerVersion.objects.filter(pk=clean.pk).update(is_active=True)
    transaction.on_commit(scorer_retrain_task.delay)
    return Rollback(
        active.version, active.voided_votes, active.votes_seen, clean.version if clean else None
    )
