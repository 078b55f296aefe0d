"""The scoring filter retrained from votes (the feedback loop).

votes (voting.Vote, voided ones excluded)
  -> labels: soft share of interesting votes, weight min(votes, cap) / admission probability
     (services/labels.py documents the inverse-propensity estimator)
  -> features: generator/features.py (drawing statistics, raster), the generator's NLL
     (cached in DrawingNll), temperature
  -> training: generator/scorer.py, held-out AUC / log-loss / calibration on a fixed share
     of faces; stored as a ScorerVersion; active only if it beats the active one on the same
     held-out faces (services/training.py), unless a moderator pinned a version
  -> filter: generation/services/admission.py admits the top keep_share plus explore_share at
     random; rejected faces are kept with status FILTERED.

Retraining: the beat task scoring.scorer_retrain_if_due (every SCORER_RETRAIN_CHECK_SECONDS,
when SCORER_RETRAIN_MIN_NEW_VOTES new votes arrived), `manage.py retrain_scorer`, or "Retrain
now" in the admin. Simulation: `manage.py simulate_voters --votes 2000 --taste many-strokes`.
"""
