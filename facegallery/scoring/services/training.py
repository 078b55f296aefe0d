"""Retraining the scorer from votes, and the promotion rule.

A run builds labels (services/labels.py: robust vote weights), trains on the non-held-out
faces, measures the new scorer and the active one on the same held-out faces, labelled by
established voters' votes only, and stores the new version with the newest vote id it could
see (so a later void knows which versions saw the voided votes). It becomes active only if
it wins (promotion_decide: a paired comparison on the held-out faces, a tie going to the
candidate that learned from more votes). A run that raises stores nothing and changes
nothing: the active version stays as it was.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from facegallery.core.locks import advisory_lock_try
from facegallery.scoring import selectors
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.services.features import face_feature_batch
from facegallery.scoring.services.labels import Labels, labels_build
from generator.scorer import (
    Scorer,
    ScorerConfig,
    ScorerLoadError,
    artifact_bytes,
    band_quantiles,
    load_scorer,
    predict,
    score_quantiles,
    train_scorer,
)
from generator.scorer_metrics import Metrics, auc_difference_interval, evaluate

logger = logging.getLogger(__name__)

REFERENCE_DRAWS = 2000  # recent draws scored to turn keep shares into thresholds
_LOCK_ID = 0x5C0BE  # pg advisory lock: one training run at a time across workers


@dataclass(frozen=True)
class RetrainResult:
    version: int | None  # None: nothing was trained
    promoted: bool
    reason: str
    auc: float | None = None
    incumbent_auc: float | None = None


def promotion_decide(
    *,
    candidate_auc: float | None,
    incumbent_auc: float | None,
    has_incumbent: bool,
    incumbent_pinned: bool,
    difference: tuple[float, float] | None = None,
    more_data: bool = True,
) -> tuple[bool, str]:
    """Whether a freshly trained scorer replaces the active one, and why.

    Both are judged on the *same* held-out faces: chosen by neither model (the queue never
    picks them for labelling: selectors.not_held_out) and labelled by established voters'
    votes only (fresh identities, an attacker's cheapest, never judge a scorer).
    `difference`: a 90% bootstrap interval of candidate AUC minus incumbent AUC over those
    faces (a paired comparison). The candidate wins when the interval is above zero, loses
    when it is below, and a tie (the interval spans zero: the difference is noise) goes to
    the candidate when it learned from more votes (`more_data`), as it then knows what the
    active one knew and more. Without an interval, plain AUCs decide (a tie keeps the active
    one). incumbent_auc is None if the active scorer could not be loaded or scored: an
    unusable scorer loses to any better-than-chance one.
    """
    if candidate_auc is None or math.isnan(candidate_auc):
        return False, "no held-out AUC (held-out faces lack one of the labels)"
    if has_incumbent and incumbent_pinned:
        return False, "the active version is pinned"
    if not has_incumbent or incumbent_auc is None or math.isnan(incumbent_auc):
        if candidate_auc > 0.5:
            return True, "better than chance, and no usable active version"
        return False, f"held-out AUC {candidate_auc:.3f} is no better than chance"
    aucs = f"held-out AUC {candidate_auc:.3f} vs {incumbent_auc:.3f} of the active one"
    if difference is None or any(math.isnan(bound) for bound in difference):
        return candidate_auc > incumbent_auc, aucs
    low, high = difference
    interval = f"difference {low:+.3f} to {high:+.3f}"
    if low > 0:
        return True, f"better: {aucs} ({interval})"
    if high < 0:
        return False, f"worse: {aucs} ({interval})"
    if more_data:
        return True, f"a tie within noise, won on more votes: {aucs} ({interval})"
    return False, f"a tie within noise, on no more votes: {aucs} ({interval})"


def scorer_retrain_due() -> bool:
    last = ScorerVersion.objects.aggregate(seen=Max("votes_seen"))["seen"] or 0
    return selectors.votes_total() - last >= settings.SCORER_RETRAIN_MIN_NEW_VOTES


def _incumbent_scores(active: ScorerVersion | None, rows: list[dict]) -> np.ndarray | None:
    """The active scorer's scores of `rows`; None without one, or when it is unusable."""
    if active is None:
        return None
    try:
        net, config = load_scorer(active.artifact, active.config)
        return predict(net, face_feature_batch(config=config, rows=rows))
    except ScorerLoadError as exc:
        logger.warning(
            "active scorer v%s is unusable, any better one wins: %s", active.version, exc
        )
        return None


def scorer_retrain(*, force: bool = False, seed: int = 0) -> RetrainResult:
    """Train a new version if enough new votes arrived (or `force`); see the module docstring."""
    with advisory_lock_try(_LOCK_ID) as got:
        if not got:
            return RetrainResult(None, False, "another training run is in progress")
        if not force and not scorer_retrain_due():
            return RetrainResult(None, False, "not enough new votes")
        return _retrain(seed)


def _labels(counts: selectors.VoteCounts) -> Labels:
    return labels_build(
        face_ids=counts.face_ids,
        interesting=counts.interesting,
        boring=counts.boring,
        votes=counts.votes,
        admission_probability=counts.admission_probability,
        min_votes=settings.SCORER_MIN_VOTES_PER_FACE,
        weight_cap=settings.SCORER_VOTE_WEIGHT_CAP,
        holdout_percent=settings.SCORER_HOLDOUT_PERCENT,
    )


def _retrain(seed: int) -> RetrainResult:
    started = time.perf_counter()
    max_vote_id = selectors.vote_id_max()
    votes_seen = selectors.votes_total(max_vote_id=max_vote_id)
    labels = _labels(selectors.vote_counts_fetch(max_vote_id=max_vote_id))
    rows = selectors.face_rows_for_features(labels.face_ids)
    labels = labels.select(np.isin(labels.face_ids, [row["id"] for row in rows]))
    # The held-out faces, labelled by established voters only: what promotion is judged on.
    # Both label sets are sorted by face id, so `judged_mask` picks them in this order.
    held = _labels(selectors.vote_counts_fetch(max_vote_id=max_vote_id, established_only=True))
    held = held.select(held.holdout & np.isin(held.face_ids, labels.face_ids))
    judged_mask = np.isin(labels.face_ids, held.face_ids)
    train = labels.select(~labels.holdout)
    if len(labels) < settings.SCORER_MIN_TRAINING_FACES or not len(train) or not len(held):
        return RetrainResult(
            None, False, f"too few labelled faces ({len(labels)}, {len(held)} held out)"
        )
    # The linear head over the statistics and the learned representation (generator/
    # scorer_linear.py); it replaces the MLP + raster encoder, whose artifacts still load.
    config = ScorerConfig.for_representation(use_nll=settings.SCORER_USE_NLL, seed=seed)
    batch = face_feature_batch(config=config, rows=rows)
    # Recent unfiltered draws: unlabelled faces for the head's PCA, then its thresholds.
    reference_rows = selectors.recent_draw_rows(REFERENCE_DRAWS)
    reference = face_feature_batch(config=config, rows=reference_rows)
    net = train_scorer(
        config, batch.take(~labels.holdout), train.labels, train.weights, unlabelled=reference
    )
    held_rows = [row for row, h in zip(rows, judged_mask, strict=True) if h]
    held_scores = predict(net, batch.take(judged_mask))
    metrics = evaluate(held.labels, held.weights, held_scores)
    active = selectors.scorer_active_get()
    incumbent_scores = _incumbent_scores(active, held_rows)
    incumbent_auc = difference = None
    if incumbent_scores is not None:
        incumbent_auc = evaluate(held.labels, held.weights, incumbent_scores).auc
        difference = auc_difference_interval(
            held.labels, held.weights, held_scores, incumbent_scores, seed=seed
        )
    reference_scores = predict(net, reference)
    config.score_quantiles = score_quantiles(reference_scores)
    config.band_quantiles = band_quantiles(
        reference_scores, np.array([row["temperature"] for row in reference_rows])
    )
    promote, reason = promotion_decide(
        candidate_auc=metrics.auc,
        incumbent_auc=incumbent_auc,
        has_incumbent=active is not None,
        incumbent_pinned=bool(active and active.pinned),
        difference=difference,
        more_data=active is None or max_vote_id > (active.max_vote_id or 0),
    )
    version = _store(
        net=net,
        config=config,
        metrics=metrics,
        training_faces=len(train),
        holdout_faces=len(held),
        votes_seen=votes_seen,
        max_vote_id=max_vote_id,
        incumbent=active,
        incumbent_auc=incumbent_auc,
        promote=promote,
        reason=reason,
        seconds=time.perf_counter() - started,
    )
    outcome = "promoted" if promote else "kept inactive"
    logger.info("scorer v%s: AUC %.3f, %s (%s)", version, metrics.auc, outcome, reason)
    return RetrainResult(version, promote, reason, metrics.auc, incumbent_auc)


@transaction.atomic
def _store(
    *,
    net: Scorer,
    config: ScorerConfig,
    metrics: Metrics,
    training_faces: int,
    holdout_faces: int,
    votes_seen: int,
    max_vote_id: int,
    incumbent: ScorerVersion | None,
    incumbent_auc: float | None,
    promote: bool,
    reason: str,
    seconds: float,
) -> int:
    """Store the trained version (and make it the active one when `promote`)."""
    version = (ScorerVersion.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    if promote:
        ScorerVersion.objects.filter(is_active=True).update(is_active=False, pinned=False)
    ScorerVersion.objects.create(
        version=version,
        artifact=artifact_bytes(net),
        config=config.as_dict(),
        features_used=config.features_used(),
        generator_name=settings.GENERATOR_MODEL_NAME,
        auc=None if math.isnan(metrics.auc) else metrics.auc,
        log_loss=metrics.log_loss,
        calibration_error=metrics.calibration_error,
        incumbent_version=incumbent.version if incumbent else None,
        incumbent_auc=incumbent_auc,
        training_faces=training_faces,
        holdout_faces=holdout_faces,
        votes_seen=votes_seen,
        max_vote_id=max_vote_id,
        seconds=seconds,
        promoted=promote,
        is_active=promote,
        note=reason[:200],
    )
    return version
