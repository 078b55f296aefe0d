"""For you: the gallery ordered for one visitor by a head fitted on its own votes.

Once a visitor has FOR_YOU_MIN_VOTES votes, a personal head (generator/personal.py) is
fitted on its latest FOR_YOU_VOTES_MAX votes over the shared representation, the features
the scorer reads, and orders the newest FOR_YOU_CANDIDATES visible faces it has not voted
on. The "For you" page shows the top of that order; vote mode takes part of its queue from
it. Nothing of one visitor's votes reaches another: the order lives in the asking process's
memo, under the voter's key, and is fitted again every FOR_YOU_REFIT_VOTES new votes (in
between, the faces voted since are dropped from it).

Per process rather than in Redis, as the gallery's grid: a hit costs no round trip and
nothing breaks while Redis is down; a visitor whose next request lands on another worker
costs one more fit (a fraction of a second: tens of votes, a few hundred candidates whose
representation the admission path has already cached).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Exists, OuterRef

from facegallery.gallery.models import Face, FaceStatus
from facegallery.scoring.selectors import FEATURE_FIELDS, face_rows_for_features
from facegallery.scoring.services.features import face_feature_batch
from facegallery.voting.models import Label, Vote
from generator.personal import personal_fit, personal_scores
from generator.scorer import ScorerConfig

FOR_YOU_VOTES_MAX = 400  # a visitor's latest votes the head is fitted on
FOR_YOU_CANDIDATES = 600  # newest visible faces it orders
_MEMO_SIZE = 512  # visitors a process remembers


@dataclass(frozen=True)
class ForYou:
    face_ids: list[int]  # best first; empty until the visitor has voted enough
    votes: int  # the visitor's votes (non-voided)
    needed: int  # votes still needed before the page is personal (0: it is)
    one_sided: bool = False  # enough votes, but all one way: nothing to tell apart yet


FOR_YOU_REFIT_VOTES = 5  # new votes after which the head is fitted again


_memo: OrderedDict[str, tuple[int, list[int]]] = OrderedDict()  # voter -> (votes, order)
_lock = threading.Lock()


def for_you_clear() -> None:
    with _lock:
        _memo.clear()


def for_you(*, voter: str | None) -> ForYou:
    """The visitor's faces, best first (see the module docstring)."""
    minimum = settings.FOR_YOU_MIN_VOTES
    if not voter:
        return ForYou([], 0, minimum)
    votes = list(
        Vote.objects.filter(voter=voter, voided=False)
        .order_by("-pk")
        .values_list("pk", "face_id", "label")[:FOR_YOU_VOTES_MAX]
    )
    if len(votes) < minimum:
        return ForYou([], len(votes), minimum - len(votes))
    with _lock:
        fitted = _memo.get(voter)
        if fitted is not None:
            _memo.move_to_end(voter)
    if fitted is None or not 0 <= len(votes) - fitted[0] < FOR_YOU_REFIT_VOTES:
        fitted = (len(votes), _rank(voter, votes))
        with _lock:
            _memo[voter] = fitted
            while len(_memo) > _MEMO_SIZE:
                _memo.popitem(last=False)
    voted = {face_id for _pk, face_id, _label in votes}
    ranked = [face_id for face_id in fitted[1] if face_id not in voted]
    return ForYou(ranked, len(votes), 0, one_sided=not fitted[1])


def _rank(voter: str, votes: list[tuple[int, int, str]]) -> list[int]:
    """Ids of the candidates ordered by the visitor's head; [] when its votes are one-sided."""
    labels = {face_id: float(label == Label.INTERESTING) for _pk, face_id, label in votes}
    voted_rows = face_rows_for_features(labels)
    y = np.array([labels[row["id"]] for row in voted_rows])
    if not len(y) or y.min() == y.max():
        return []
    already = Vote.objects.filter(face=OuterRef("pk"), voter=voter)
    candidate_rows = list(
        Face.objects.filter(status=FaceStatus.VISIBLE)
        .exclude(Exists(already))
        .order_by("-pk")
        .values(*FEATURE_FIELDS)[:FOR_YOU_CANDIDATES]
    )
    if not candidate_rows:
        return []
    config = ScorerConfig.for_representation()
    voted = face_feature_batch(config=config, rows=voted_rows)
    candidates = face_feature_batch(config=config, rows=candidate_rows)
    assert voted.repr is not None and candidates.repr is not None  # for_representation
    # A stable seed per visitor (the penalty's cross-validation folds): the same votes give
    # the same page in every process.
    seed = int.from_bytes(hashlib.sha256(voter.encode()).digest()[:4], "big")
    head = personal_fit(voted.tabular, voted.repr, y, seed=seed, unlabelled_rep=candidates.repr)
    if head is None:
        return []
    scores = personal_scores(head, candidates.tabular, candidates.repr)
    order = np.argsort(-scores, kind="stable")
    return [candidate_rows[i]["id"] for i in order]
