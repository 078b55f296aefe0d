"""Training labels from votes: robust vote weights, soft labels, vote-count weights, and
exploration weighting.

Robust vote weights (computed in SQL by scoring.selectors.vote_counts_fetch, with the
numbers of RobustWeights below). No client may own the training set by voting a lot, from
many fresh identities, or from one network. Vote j on face i, by voter v from IP prefix p
(the vote's ip_prefix_hash; for votes older than prefixes its IP hash, else its voter),
non-voided:

1. Trust: t_v = fresh_weight (0) while v is a fresh voter (voting/voters.py), else 1
   (established voters, accounts, votes from before voter records). A fresh voter's votes
   join training when it becomes established (t_v is read at training time): until then
   they are an attacker's cheapest, since identities can be minted (60 an hour per prefix)
   and need no history. With a weight of 0 they are left out of the steps below.
2. Per voter: a_j = t_v * min(1, voter_cap / n_v), n_v = v's votes in the set. A voter's
   votes weigh at most voter_cap (50) in all, however many it casts.
3. Per prefix: b_j = a_j * min(1, max(prefix_floor, prefix_share * A_other) / A_p), A_p =
   the sum of a_j over p's votes, A_other over every other prefix's. One network weighs at
   most a twentieth of everybody else (or one voter's 50 votes while the site is small).
4. Per face and prefix: c_j = b_j * min(1, prefix_face_cap / B_ip), B_ip = the sum of b_j
   over p's votes on face i. One network is at most one vote's worth on each face.

Then I_i = sum of c_j over face i's interesting votes, B_i over its boring ones (weights,
not counts), n_i = I_i + B_i. An honest visitor (one voter per address, under 50 votes)
weighs exactly 1 a vote, as when labels were plain counts. The bound: a crowd from one
prefix, fresh or not, however large, adds at most prefix_face_cap to n_i, so it moves a
face's label y_i by at most prefix_face_cap / (H_i + prefix_face_cap), H_i being the weight
of the face's other votes (a half when H_i = 1; under a tenth from H_i = 9).

The estimator. From those weighted counts (plain counts in the tests of this module):

- Faces with fewer than min_votes vote rows are left out (one noisy vote says little, and
  the threshold is configurable where visitors are plentiful).
- Soft label y_i = I_i / n_i: the weighted share of interesting votes, the per-face
  estimate of P(a visitor calls it interesting).
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
every version is compared on the same faces, and a face never moves between the sets. The
held-out labels that decide a promotion come from established voters' votes only (the same
estimator over those votes): fresh identities cannot vouch for a scorer trained on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_PROPENSITY = 0.02
HOLDOUT_HASH = 2654435761  # Knuth's multiplicative hash constant: spreads consecutive ids


@dataclass(frozen=True)
class RobustWeights:
    """The numbers of the robust vote weights (see the module docstring)."""

    fresh_weight: float = 0.0  # a fresh voter's vote: nothing until it is established
    voter_cap: float = 50.0  # one voter's votes weigh at most this many in all
    prefix_share: float = 0.05  # one prefix weighs at most this share of all the others ...
    prefix_floor: float = 50.0  # ... or one voter's cap, whichever is more
    prefix_face_cap: float = 1.0  # one prefix's votes on one face weigh at most this much


ROBUST_WEIGHTS = RobustWeights()


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
    return ((ids * np.uint64(HOLDOUT_HASH)) % np.uint64(2**32)) % np.uint64(100) < np.uint64(
        percent
    )


def labels_build(
    *,
    face_ids: np.ndarray,
    interesting: np.ndarray,
    boring: np.ndarray,
    admission_probability: np.ndarray,
    min_votes: int,
    weight_cap: int,
    holdout_percent: int,
    votes: np.ndarray | None = None,
) -> Labels:
    """Labels for faces with at least `min_votes` votes (see the module docstring).

    `interesting` and `boring` are the faces' (robustly weighted) vote weights; `votes`
    their vote rows, for min_votes (default: the weights themselves, plain counts).
    """
    face_ids = np.asarray(face_ids, np.int64)
    interesting = np.asarray(interesting, np.float64)
    weight = interesting + np.asarray(boring, np.float64)
    rows = weight if votes is None else np.asarray(votes, np.float64)
    keep = (rows >= max(min_votes, 1)) & (weight > 0)
    propensity = np.clip(np.asarray(admission_probability, np.float64), MIN_PROPENSITY, 1.0)
    weights = np.minimum(weight, weight_cap) / propensity
    return Labels(
        face_ids=face_ids[keep],
        labels=interesting[keep] / weight[keep],
        weights=weights[keep],
        holdout=is_holdout(face_ids[keep], holdout_percent),
    )
