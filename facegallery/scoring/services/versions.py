"""Moderators' choices of the active scorer: pin a version (roll back), or release the pin."""

from __future__ import annotations

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
