"""Training generator versions from votes.

A run takes the votes a scorer would learn from (the robust weights of scoring/services/
labels.py: fresh voters' pending votes weigh nothing, one IP prefix is capped per face and in
all; voided votes are out), keeps the faces the base weights or the active version drew from
the start token, splits them into liked (a weighted interesting share above one half) and
disliked (below), and tunes the decoder (generator.tuning). The rails (generator.rails) then
compare it with the base on held-out human faces and on base samples; the version is stored
either way, FAILED_RAILS when a rail broke (kept for inspection, never drawn with).

Tuned from the base weights every time, not from the active version: each version is then a
function of (base, votes, config) alone, repeatable and judged by the rails against the
weights it started from, and drift cannot compound over rounds of tuning on its own samples.
The votes on the active version's faces still teach it what visitors like.

One run at a time (a PostgreSQL advisory lock); it runs on its own Celery queue ("tuning",
settings.CELERY_TASK_ROUTES), so generation's batches never wait behind it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from facegallery.core import decoders
from facegallery.core.locks import advisory_lock_try
from facegallery.gallery.models import Face, GeneratorModel, GeneratorVersion, VersionStatus
from facegallery.scoring import selectors as scoring_selectors
from facegallery.scoring.services.features import normalised_drawings
from facegallery.scoring.services.labels import labels_build
from facegallery.tuning import selectors
from facegallery.tuning.services.rollouts import RolloutError, rollout_start
from generator.model import SketchDecoder
from generator.quality import load_quickdraw
from generator.rails import RailsConfig, rails_check
from generator.tuning import TuningConfig, decoder_state_bytes, tune_decoder

logger = logging.getLogger(__name__)

_LOCK_ID = 0x7E4E5  # pg advisory lock: one tuning run at a time across workers


@dataclass(frozen=True)
class TrainResult:
    version: int | None  # None: nothing was trained
    passed_rails: bool
    reason: str


@dataclass(frozen=True)
class TrainingSet:
    liked: list[np.ndarray]  # normalised stroke-3
    disliked: list[np.ndarray]
    liked_temperatures: list[float]  # what each face was drawn at
    disliked_temperatures: list[float]
    votes_seen: int
    max_vote_id: int


def version_train_due() -> tuple[bool, str]:
    """Whether a run is due: enough new counted votes, and no rollout spending them."""
    if selectors.rollout_running_get() is not None:
        return False, "a rollout is running"
    new = selectors.counted_votes(after=selectors.version_last_max_vote_id())
    if new < settings.TUNING_MIN_NEW_VOTES:
        return False, f"{new} new votes of {settings.TUNING_MIN_NEW_VOTES}"
    return True, f"{new} new votes"


def base_generator() -> GeneratorModel | None:
    """The row of the installed base weights (None until a face was drawn with them)."""
    name = settings.GENERATOR_MODEL_NAME
    return GeneratorModel.objects.filter(
        name=name, sha256=decoders.weight_spec(name).sha256
    ).first()


def training_set_build(*, generator: GeneratorModel) -> TrainingSet:
    """Liked and disliked faces of `generator` from the votes up to now (module docstring)."""
    max_vote_id = scoring_selectors.vote_id_max()
    counts = scoring_selectors.vote_counts_fetch(max_vote_id=max_vote_id)
    labels = labels_build(
        face_ids=counts.face_ids,
        interesting=counts.interesting,
        boring=counts.boring,
        votes=counts.votes,
        admission_probability=counts.admission_probability,
        min_votes=settings.SCORER_MIN_VOTES_PER_FACE,
        weight_cap=settings.SCORER_VOTE_WEIGHT_CAP,
        holdout_percent=settings.SCORER_HOLDOUT_PERCENT,
    )
    active = selectors.version_active_get()
    fit = selectors.training_face_ids(
        face_ids=labels.face_ids, active_id=active.pk if active else None
    )
    share = dict(zip(labels.face_ids.tolist(), labels.labels.tolist(), strict=True))
    rows = Face.objects.filter(pk__in=fit, generator=generator).order_by("pk")
    sides: dict[bool, tuple[list[bytes], list[float]]] = {True: ([], []), False: ([], [])}
    for pk, stored, temperature in rows.values_list("pk", "strokes", "temperature").iterator(
        chunk_size=2000
    ):
        if share[pk] != 0.5:  # an even split says nothing either way
            strokes, temperatures = sides[share[pk] > 0.5]
            strokes.append(bytes(stored))
            temperatures.append(temperature)
    return TrainingSet(
        liked=normalised_drawings(sides[True][0], generator.scale_factor),
        disliked=normalised_drawings(sides[False][0], generator.scale_factor),
        liked_temperatures=sides[True][1],
        disliked_temperatures=sides[False][1],
        votes_seen=selectors.counted_votes(upto=max_vote_id),
        max_vote_id=max_vote_id,
    )


def version_train(
    *,
    force: bool = False,
    config: TuningConfig | None = None,
    rails_config: RailsConfig | None = None,
    progress: Callable[[int], object] | None = None,
) -> TrainResult:
    """Train, check and store a version if one is due (or `force`); see the module
    docstring. `config`: how to tune (default: the settings'); `rails_config`: the rails'
    bounds and sample sizes (default: generator.rails')."""
    with advisory_lock_try(_LOCK_ID) as got:
        if not got:
            return TrainResult(None, False, "another tuning run is in progress")
        if not force:
            due, why = version_train_due()
            if not due:
                return TrainResult(None, False, why)
        return _train(config or _tuning_config(), rails_config or RailsConfig(), progress)


def _tuning_config() -> TuningConfig:
    config = TuningConfig()
    if settings.TUNING_EPOCHS:
        config = dataclasses.replace(config, epochs=settings.TUNING_EPOCHS)
    return config


def _train(
    config: TuningConfig, rails_config: RailsConfig, progress: Callable[[int], object] | None
) -> TrainResult:
    started = time.perf_counter()
    generator = base_generator()
    if generator is None:
        return TrainResult(None, False, "no face was drawn with the base weights yet")
    human_path = settings.TUNING_RAILS_HUMAN_FACES
    if not human_path.is_file():
        return TrainResult(None, False, f"no held-out human faces at {human_path}")
    data = training_set_build(generator=generator)
    if min(len(data.liked), len(data.disliked)) < settings.TUNING_MIN_FACES:
        return TrainResult(
            None, False, f"too few faces ({len(data.liked)} liked, {len(data.disliked)} disliked)"
        )
    base: SketchDecoder = decoders.decoder_get(generator.name)
    tuned = tune_decoder(
        base,
        data.liked,
        data.disliked,
        config=config,
        progress=progress,
        liked_temperatures=data.liked_temperatures,
        disliked_temperatures=data.disliked_temperatures,
    )
    human = load_quickdraw(human_path, base.scale_factor)
    report = rails_check(base, tuned.decoder, human, config=rails_config)
    version = _store(
        generator=generator,
        artifact=decoder_state_bytes(tuned.decoder),
        config=dataclasses.asdict(config),
        data=data,
        pairs=tuned.pairs,
        metrics={
            **tuned.metrics,
            "liked_faces": len(data.liked),
            "disliked_faces": len(data.disliked),
            "tuning_seconds": tuned.seconds,
            "rails": {**report.as_dict(), "config": dataclasses.asdict(rails_config)},
        },
        passed=report.passed,
        note=report.summary(),
        seconds=time.perf_counter() - started,
    )
    outcome = "passed its rails" if report.passed else "failed its rails"
    logger.info("generator v%s: %s (%s)", version, outcome, report.summary())
    return TrainResult(version, report.passed, outcome)


@transaction.atomic
def _store(
    *,
    generator: GeneratorModel,
    artifact: bytes,
    config: dict,
    data: TrainingSet,
    pairs: int,
    metrics: dict,
    passed: bool,
    note: str,
    seconds: float,
) -> int:
    """Store the version; one that passed starts its rollout when none is running
    (TUNING_AUTO_ROLLOUT)."""
    number = (GeneratorVersion.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    GeneratorVersion.objects.create(
        version=number,
        base=generator,
        artifact=artifact,
        method=str(config.get("method", ""))[:32],
        config=config,
        votes_seen=data.votes_seen,
        max_vote_id=data.max_vote_id,
        pairs=pairs,
        metrics=metrics,
        status=VersionStatus.TRAINED if passed else VersionStatus.FAILED_RAILS,
        note=note[:300],
        seconds=seconds,
    )
    if passed and settings.TUNING_AUTO_ROLLOUT and selectors.rollout_running_get() is None:
        try:
            with transaction.atomic():
                rollout_start(version=number)
        except RolloutError as exc:  # a rollout started meanwhile: this one waits
            logger.info("generator v%s: no rollout yet (%s)", number, exc)
    return number
