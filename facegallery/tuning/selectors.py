"""Reads of the tuning loop: the versions that draw, the arms of a rollout, the votes a
training run would see, the faces an arm drew."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db.models import Q, Sum

from facegallery.gallery.models import (
    Face,
    FaceOrigin,
    FaceStatus,
    GeneratorVersion,
    VersionStatus,
)
from facegallery.tuning.models import Rollout
from facegallery.tuning.statistics import Arm
from facegallery.voting.models import Vote

# The versions generation may draw with. A version that never passed its rails is in neither.
DRAWING = (VersionStatus.CANDIDATE, VersionStatus.ACTIVE)


def rails_passed(version: GeneratorVersion) -> bool:
    """Whether `version`'s rails report says it passed (a version without one did not)."""
    rails = version.metrics.get("rails") if isinstance(version.metrics, dict) else None
    return bool(isinstance(rails, dict) and rails.get("passed") is True)


def version_active_get() -> GeneratorVersion | None:
    return GeneratorVersion.objects.filter(status=VersionStatus.ACTIVE).defer("artifact").first()


def rollout_running_get() -> Rollout | None:
    """The running rollout (its candidate is the one CANDIDATE version), or None."""
    return (
        Rollout.objects.select_related("candidate", "control")
        .filter(candidate__status=VersionStatus.CANDIDATE, ended_at__isnull=True)
        .defer("candidate__artifact", "control__artifact")
        .first()
    )


def version_for_new_batch(
    *, generator_id: int, rng: random.Random | None = None
) -> GeneratorVersion | None:
    """The version a new start-token batch of `generator_id` is drawn by (None: the base
    weights): the candidate for its rollout share of batches, else the active version. One
    indexed query; only CANDIDATE and ACTIVE versions, which passed their rails, are chosen."""
    drawing = {
        row.status: row
        for row in GeneratorVersion.objects.filter(status__in=DRAWING, base_id=generator_id).only(
            "id", "version", "status", "rollout_share", "base_id"
        )
    }
    candidate = drawing.get(VersionStatus.CANDIDATE)
    if candidate is not None and (rng or random).random() < candidate.rollout_share:
        return candidate
    return drawing.get(VersionStatus.ACTIVE)


def _arm_faces(version_id: int | None, since, until=None):
    faces = Face.objects.filter(origin=FaceOrigin.GENERATED, created__gte=since)
    if until is not None:  # a decided rollout: faces leftover batches drew later are not its
        faces = faces.filter(created__lte=until)
    if version_id is None:
        return faces.filter(generator_version__isnull=True)
    return faces.filter(generator_version_id=version_id)


def arm_figures(*, version_id: int | None, since, until=None) -> Arm:
    """Counted votes on the start-token faces `version_id` (None: the base) drew from `since`
    (to `until`), from the faces' counters (which hold counted, non-voided votes only)."""
    sums = _arm_faces(version_id, since, until).aggregate(
        i=Sum("interesting_count"), b=Sum("boring_count")
    )
    return Arm(interesting=sums["i"] or 0, boring=sums["b"] or 0)


@dataclass(frozen=True)
class RolloutArms:
    candidate: Arm
    control: Arm


def rollout_arms(rollout: Rollout) -> RolloutArms:
    """Both arms' votes now, on the faces drawn while the rollout ran."""
    window = {"since": rollout.started_at, "until": rollout.ended_at}
    return RolloutArms(
        candidate=arm_figures(version_id=rollout.candidate_id, **window),
        control=arm_figures(version_id=rollout.control_id, **window),
    )


def arm_recent_faces(*, version_id: int | None, since, until=None, limit: int) -> list[Face]:
    """The newest visible start-token faces an arm drew in a rollout (the admin's grids)."""
    faces = _arm_faces(version_id, since, until).filter(status=FaceStatus.VISIBLE)
    return list(faces.only("id", "strokes", "generator_id").order_by("-id")[:limit])


def counted_votes(*, after: int = 0, upto: int | None = None) -> int:
    """Counted, non-voided votes with ids in (after, upto]: new ones make training due."""
    votes = Vote.objects.filter(pk__gt=after, counted=True, voided=False)
    return (votes if upto is None else votes.filter(pk__lte=upto)).count()


def version_last_max_vote_id() -> int:
    """The newest vote id any stored version saw (0 before the first version)."""
    row = (
        GeneratorVersion.objects.filter(max_vote_id__isnull=False)
        .order_by("-max_vote_id")
        .values_list("max_vote_id", flat=True)
        .first()
    )
    return row or 0


def training_face_ids(*, face_ids, active_id: int | None) -> set[int]:
    """Of `face_ids`, those fit to tune on: drawn from the start token by the base weights or
    by the active version (a primed face continues someone else's strokes, and a face a
    rejected candidate drew says little about what the base or active one should draw)."""
    drawn_by = Q(generator_version__isnull=True)
    if active_id is not None:
        drawn_by |= Q(generator_version_id=active_id)
    rows = Face.objects.filter(drawn_by, pk__in=list(face_ids), origin=FaceOrigin.GENERATED)
    return set(rows.values_list("pk", flat=True))


@dataclass(frozen=True)
class ArmReport:
    name: str  # "candidate v3", "active v2", "base weights"
    version_id: int | None
    arm: Arm
    interval: tuple[float, float]  # Wilson interval of the interesting share


@dataclass(frozen=True)
class RolloutReport:
    rollout: Rollout
    arms: list[ArmReport]  # candidate first, then control
    difference: tuple[float, float]  # Newcombe interval of candidate minus control


def rollout_report_get(*, version_id: int) -> RolloutReport | None:
    """The rollout of version `version_id` (running or decided) with its arms' figures now
    (None: it never had a rollout)."""
    from facegallery.tuning.statistics import difference_interval

    rollout = (
        Rollout.objects.select_related("candidate", "control")
        .defer("candidate__artifact", "control__artifact")
        .filter(candidate_id=version_id)
        .first()
    )
    if rollout is None:
        return None
    arms = rollout_arms(rollout)
    control = f"active v{rollout.control.version}" if rollout.control else "base weights"
    return RolloutReport(
        rollout=rollout,
        arms=[
            ArmReport(
                f"candidate v{rollout.candidate.version}",
                rollout.candidate_id,
                arms.candidate,
                arms.candidate.interval(),
            ),
            ArmReport(control, rollout.control_id, arms.control, arms.control.interval()),
        ],
        difference=difference_interval(arms.candidate, arms.control),
    )
