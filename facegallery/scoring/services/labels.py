"""Training labels from votes: soft labels, vote-count weights, and exploration weighting.

The estimator. Face i has I_i interesting and B_i boring non-voided votes, n_i = I_i + B_i.

- Faces with n_i < min_votes are left out (one noisy vote says little, and the threshold is
  configurable where visitors are plentiful).
- Soft label y_i = I_i / n_i: the share of interesting votes, the per-face estimate of
  P(a visitor calls it interesting).
- Weight w_i = min(n_i, cap) / pi_i. min(n_i, cap) because a face seen by more visitors
  pins its label down better, capped so a viral face does not dominate.
- pi_i is the face's admission probability: the probability that it was shown at all.
  Faces above the filter's threshold were shown with probability 1; faces below it only
  when the exploration draw picked them, with probability explore_share. Votes exist only
  for shown faces, so training on them unweighted would learn only from what the previous
  filter liked. Weighting each voted face by 1 / pi_i (inverse propensity, Horvitz-Thompson)
  makes the weighted training loss an unbiased estimate of the loss over *all* drawn faces,
  so the filter's own choices do not bias the next scorer. pi_i is floored at MIN_PROPENSITY
  to bound the variance of a tiny exploration share.

The held-out split is fixed by face id (a multiplicative hash), so every retraining round and
every version is compared on the same faces, and a face never moves between the sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_PROPENSITY = 0.02
_HASH = 2654435761  # Knuth's multiplicative hash constant: spreads consecutive ids


@dataclass(frozen=True)
class Labels:
    face_ids: np.ndarray  # (N,) int64
    labels: np.ndarray  # (N,) float64 soft labels in [0, 1]
    weights: np.ndarray  # (N,) float64
    holdout: np.ndarray  # (N,) bool

    def __len__(self) -> int:
        return len(self.face_ids)

    def select(self, mask: np.ndarray) -> Labels:
        return Labels(
            self.face_ids[mask], self.labels[mask], self.weights[mask], self.holdout[mask]
        )


def is_holdout(face_ids: np.ndarray, percent: int) -> np.ndarray:
    ids = np.asarray(face_ids, np.uint64)
    return ((ids * np.uint64(_HASH)) % np.uint64(2**32)) % np.uint64(100) < np.uint64(percent)


def labels_build(
    *,
    face_ids: np.ndarray,
    interesting: np.ndarray,
    boring: np.ndarray,
    admission_probability: np.ndarray,
    min_votes: int,
    weight_cap: int,
    holdout_percent: int,
) -> Labels:
    """Labels for faces with at least `min_votes` votes (see the module docstring)."""
    face_ids = np.asarray(face_ids, np.int64)
    interesting = np.asarray(interesting, np.float64)
    votes = interesting + np.asarray(boring, np.float64)
    keep = votes >= max(min_votes, 1)
    propensity = np.clip(np.asarray(admission_probability, np.float64), MIN_PROPENSITY, 1.0)
    weights = np.minimum(votes, weight_cap) / propensity
    return Labels(
        face_ids=face_ids[keep],
        labels=interesting[keep] / votes[keep],
        weights=weights[keep],
        holdout=is_holdout(face_ids[keep], holdout_percent),
    )
