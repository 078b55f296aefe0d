"""The admission decision for freshly drawn faces: which are shown, which are filtered.

With the filter on and an active scorer, each batch is scored and a face is admitted when
  - its score is at or above the threshold that keeps `keep_share` of unfiltered draws, or
  - the exploration draw picks it (probability `explore_share`), whatever its score.
A face's admission probability is therefore 1 above the threshold and explore_share below it;
faces admitted only by exploration are flagged `explored`, and training weighs every voted
face by 1 / admission probability (facegallery/scoring/services/labels.py). Rejected faces are
still inserted, with status FILTERED: never shown, but an unbiased sample of what is drawn.

The threshold is calibrated where it is used, so the admitted share stays at its target
whatever the temperature and however the scores drift: it is the (1 - keep_share) quantile of
the scores this version gave the last CALIBRATION_DRAWS draws at this batch's temperature,
this batch included (draws, not admissions: filtered faces are stored with their scores).
Only while fewer than CALIBRATION_MIN such scores exist does it fall back to the quantiles
measured at training time on recent draws: of the batch's temperature band (0.05 wide) when
they held enough draws there, else of every temperature.

No scorer, the filter switched off, or a scorer that cannot be loaded or run: every face is
admitted unflagged with probability 1. A broken scorer logs a warning and never stops
generation, so the gallery cannot run dry because of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from facegallery.gallery.models import FaceStatus, GenerationSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Admission:
    status: int
    scorer_version: int | None = None
    score: float | None = None
    explored: bool = False
    admission_probability: float = 1.0

    def as_fields(self) -> dict:
        return {
            "status": self.status,
            "scorer_version": self.scorer_version,
            "score": self.score,
            "explored": self.explored,
            "admission_probability": self.admission_probability,
        }


ADMIT_ALL = Admission(status=FaceStatus.VISIBLE)
CALIBRATION_DRAWS = 1000  # recent scored draws at a temperature that set its threshold
# Fewer than this: the training-time quantiles decide. A batch of the default size (128) or
# of simulate_voters' (64) is enough on its own: its share then holds batch by batch, where a
# threshold from another temperature's draws admitted 30% to 63% of a round in the simulation.
CALIBRATION_MIN = 64

# The active scorer, loaded once per process and kept until another version becomes active.
# A version that failed to load is remembered too (as None), so a corrupted artifact costs one
# load attempt per process, not one per batch.
_lock = threading.Lock()
_loaded: dict[int, object] = {}


def _scorer_for(version: int):
    """(net, config, generator_name) of `version`, or None if it is unusable (logged)."""
    from facegallery.scoring.models import ScorerVersion
    from generator.scorer import ScorerLoadError, load_scorer

    with _lock:
        if version in _loaded:
            return _loaded[version]
        row = ScorerVersion.objects.filter(version=version).first()
        entry = None
        if row is None:
            logger.warning("scorer v%s vanished; admitting faces unfiltered", version)
        else:
            try:
                net, config = load_scorer(row.artifact, row.config)
                entry = (net, config, row.generator_name)
                logger.info("loaded scorer v%s (%s)", version, ", ".join(row.features_used))
            except ScorerLoadError as exc:
                logger.warning("scorer v%s: %s", version, exc)
        _loaded.clear()  # only the active version is worth keeping
        _loaded[version] = entry
        return entry


def admission_cache_clear() -> None:
    """Forget the loaded scorer: for a scratch database whose versions were emptied and are
    numbered from 1 again (simulate_voters), where a cached version number means another net."""
    with _lock:
        _loaded.clear()


def admission_decide(
    *,
    drawings: Sequence[np.ndarray],
    temperature: float,
    stored: Sequence[bytes] | None = None,
    rng: np.random.Generator | None = None,
) -> list[Admission]:
    """One Admission per drawing (normalised stroke-3, as sampled), in order.

    `stored`: the drawings' Face.strokes bytes, when the caller has them already.
    """
    from facegallery.scoring.selectors import scorer_active_version

    config = GenerationSettings.current()
    version = scorer_active_version() if config.filter_enabled else None
    if version is None or not len(drawings):
        return [ADMIT_ALL] * len(drawings)
    entry = _scorer_for(version)
    if entry is None:
        logger.warning(
            "scorer v%s is unusable: %s faces admitted unfiltered", version, len(drawings)
        )
        return [ADMIT_ALL] * len(drawings)
    try:
        scores = _score(entry, drawings=drawings, stored=stored, temperature=temperature)
        threshold = _threshold(
            entry, version=version, temperature=temperature, scores=scores,
            keep_share=config.keep_share,
        )  # fmt: skip
    except Exception:
        # Whatever breaks in scoring (a decoder that cannot be loaded, a bad drawing), the
        # batch is still shown: an unfiltered gallery beats an empty one.
        logger.warning("scorer v%s failed: batch admitted unfiltered", version, exc_info=True)
        return [ADMIT_ALL] * len(drawings)
    rng = rng or np.random.default_rng()
    explore = rng.random(len(drawings)) < config.explore_share
    decisions = []
    for score, pick in zip(scores.tolist(), explore.tolist(), strict=True):
        above = score >= threshold
        decisions.append(
            Admission(
                status=FaceStatus.VISIBLE if above or pick else FaceStatus.FILTERED,
                scorer_version=version,
                score=score,
                explored=pick and not above,
                admission_probability=1.0 if above else config.explore_share,
            )
        )
    return decisions


def admission_reads_states(*, generator_name: str) -> bool:
    """Whether the active scorer reads the learned representation of `generator_name`'s faces:
    then the sampler pools the decoder states as it draws (representation_cache_store), and
    admission needs no second, teacher-forced decoder pass for them."""
    from facegallery.scoring.selectors import scorer_active_version

    version = scorer_active_version() if GenerationSettings.current().filter_enabled else None
    entry = _scorer_for(version) if version is not None else None
    return entry is not None and entry[2] == generator_name and bool(entry[1].use_repr)


def _threshold(
    entry, *, version: int, temperature: float, scores: np.ndarray, keep_share: float
) -> float:
    """The score that admits `keep_share` of draws at this temperature (module docstring)."""
    from facegallery.scoring.selectors import recent_scores
    from generator.scorer import threshold_for_share

    earlier = recent_scores(
        version=version, temperature=temperature, limit=max(CALIBRATION_DRAWS - len(scores), 0)
    )
    pooled = np.concatenate([scores, earlier])  # (len(scores) + len(earlier),)
    if len(pooled) < CALIBRATION_MIN:
        return threshold_for_share(entry[1], keep_share, temperature=temperature)
    return float(np.quantile(pooled, 1.0 - keep_share))


def _score(entry, *, drawings, stored, temperature: float) -> np.ndarray:
    from facegallery.core import decoders
    from facegallery.gallery.services.faces import stored_strokes
    from facegallery.scoring.services.features import feature_batch
    from generator.scorer import predict

    net, config, generator_name = entry
    scale = decoders.decoder_get(generator_name).scale_factor
    batch = feature_batch(
        config=config,
        stored=stored if stored is not None else stored_strokes(drawings, scale),
        temperatures=[temperature] * len(drawings),
        scale_factor=scale,
        generator_name=generator_name,
    )
    return predict(net, batch)


def expected_admit_rate(*, enabled: bool) -> float:
    """The share of drawn faces expected to be shown, for sizing top-up batches."""
    from facegallery.scoring.selectors import scorer_active_version

    if not enabled or scorer_active_version() is None:
        return 1.0
    config = GenerationSettings.current()
    return config.keep_share + config.explore_share * (1.0 - config.keep_share)
