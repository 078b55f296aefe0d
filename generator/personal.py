"""A visitor's personal head for "For you": the linear scorer head, fitted on one visitor's
votes alone, over the shared representation (statistics + the decoder's pooled states + the
layout grids; generator/scorer_linear.py).

A visitor has tens of votes, not thousands, so the choices lean on what the head already
does for small label sets: the states are reduced by a PCA that the unvoted candidates widen
(no labels needed), the penalty is chosen by cross-validation from a fixed grid, and every
vote weighs the same. With only one label among the votes (all interesting, all boring)
there is nothing to tell apart: no head.
"""

from __future__ import annotations

import numpy as np

from generator.scorer import FeatureBatch, ScorerConfig, predict, train_scorer
from generator.scorer_linear import LinearScorer


def personal_fit(
    tabular: np.ndarray,
    rep: np.ndarray,
    labels: np.ndarray,
    *,
    seed: int = 0,
    unlabelled_rep: np.ndarray | None = None,
) -> LinearScorer | None:
    """The head for votes `labels` (V,) in {0, 1} on faces with tabular rows (V, D) and
    representations (V, REPR_WIDTH); None when the votes hold one label only.

    `unlabelled_rep` (M, REPR_WIDTH): faces without votes (the candidates it will order),
    which only widen the PCA of the states."""
    labels = np.asarray(labels, np.float64)
    if len(labels) == 0 or labels.min() == labels.max():
        return None
    config = ScorerConfig.for_representation(seed=seed)
    unlabelled = None
    if unlabelled_rep is not None and len(unlabelled_rep):
        width = tabular.shape[1]
        unlabelled = FeatureBatch(np.zeros((len(unlabelled_rep), width), np.float32), None,
                                  unlabelled_rep)  # fmt: skip
    net = train_scorer(
        config, FeatureBatch(tabular, None, rep), labels, np.ones(len(labels)),
        unlabelled=unlabelled,
    )  # fmt: skip
    assert isinstance(net, LinearScorer)
    return net


def personal_scores(head: LinearScorer, tabular: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """(N,) probabilities that the visitor likes each face (higher first in "For you")."""
    return predict(head, FeatureBatch(tabular, None, rep))
