"""Robust vote weights for training (scoring.selectors.vote_counts_fetch, the estimator in
scoring/services/labels.py): honest votes weigh one each; no voter, crowd or network can
weigh more than its bound."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from django.utils import timezone

from facegallery.scoring.selectors import vote_counts_fetch, vote_id_max
from facegallery.scoring.services.labels import ROBUST_WEIGHTS, labels_build
from facegallery.voting.models import Voter
from tests.factories import FaceFactory, VoteFactory, voter_record

pytestmark = pytest.mark.django_db

W = ROBUST_WEIGHTS


def weights_of(face_ids, **kwargs) -> dict[int, tuple[float, float]]:
    counts = vote_counts_fetch(**kwargs)
    pairs = zip(counts.interesting.tolist(), counts.boring.tolist(), strict=True)
    table = dict(zip(counts.face_ids.tolist(), pairs, strict=True))
    return {face_id: table.get(face_id, (0.0, 0.0)) for face_id in face_ids}


def label_of(face_id: int, **kwargs) -> float:
    counts = vote_counts_fetch(**kwargs)
    labels = labels_build(
        face_ids=counts.face_ids, interesting=counts.interesting, boring=counts.boring,
        votes=counts.votes, admission_probability=counts.admission_probability,
        min_votes=1, weight_cap=10, holdout_percent=0,
    )  # fmt: skip
    return float(labels.labels[labels.face_ids.tolist().index(face_id)])


def fresh_crowd(face, n: int, *, label: str, prefix: str = "p" * 64) -> None:
    votes = VoteFactory.create_batch(n, face=face, label=label, ip_prefix_hash=prefix)
    Voter.objects.bulk_create(
        [Voter(key=v.voter, ip_prefix_hash=prefix, minted_at=v.created,
               first_vote_at=v.created, last_vote_at=v.created) for v in votes]
    )  # fmt: skip


def test_honest_votes_weigh_one_each_as_plain_counts_did():
    face = FaceFactory.create()
    VoteFactory.create_batch(2, face=face, label="interesting")  # own voters, own addresses
    VoteFactory.create_batch(1, face=face, label="boring")
    assert weights_of([face.pk]) == {face.pk: (2.0, 1.0)}


@pytest.mark.parametrize("crowd", [5, 300])
def test_a_crowd_of_fresh_voters_weighs_nothing_and_once_established_at_most_the_bound(crowd):
    face = FaceFactory.create()
    VoteFactory.create_batch(9, face=face, label="boring")  # nine honest visitors
    fresh_crowd(face, crowd, label="interesting")
    assert weights_of([face.pk])[face.pk] == (0.0, 9.0) and label_of(face.pk) == 0.0
    Voter.objects.update(established_at=timezone.now())  # ten minutes of paced votes later
    bound = W.prefix_face_cap / (9 + W.prefix_face_cap)  # labels.py: cap / (H + cap)
    assert 0 < label_of(face.pk) <= bound + 1e-9


def test_established_crowds_of_one_prefix_are_bounded_on_a_face_too():
    face = FaceFactory.create()
    VoteFactory.create_batch(3, face=face, label="boring")
    votes = VoteFactory.create_batch(50, face=face, label="interesting", ip_prefix_hash="q" * 64)
    for vote in votes:
        voter_record(vote.voter, established=True, ip_prefix_hash="q" * 64)
    interesting, boring = weights_of([face.pk])[face.pk]
    assert interesting == pytest.approx(W.prefix_face_cap) and boring == 3.0


def test_one_voter_weighs_at_most_its_cap_across_the_training_set():
    faces = FaceFactory.create_batch(200)
    for face in faces:
        VoteFactory.create(face=face, voter="anon:busy", ip_hash="", label="interesting")
    total = sum(i + b for i, b in weights_of([f.pk for f in faces]).values())
    assert total == pytest.approx(W.voter_cap)


def test_one_prefix_weighs_at_most_a_share_of_everybody_else():
    faces = FaceFactory.create_batch(400)
    for face in faces[:150]:  # 150 honest votes from 150 places
        VoteFactory.create(face=face, label="boring")
    for face in faces[150:]:  # 250 voters of one network, one vote each
        VoteFactory.create(face=face, label="interesting", ip_prefix_hash="n" * 64)
    weights = weights_of([f.pk for f in faces])
    network = sum(weights[f.pk][0] for f in faces[150:])
    assert network == pytest.approx(max(W.prefix_floor, W.prefix_share * 150))
    assert sum(weights[f.pk][1] for f in faces[:150]) == 150.0


def test_fresh_voters_are_left_out_and_max_vote_id_leaves_later_votes_out():
    face, later = FaceFactory.create_batch(2)
    VoteFactory.create_batch(2, face=face, label="boring")
    fresh_crowd(face, 4, label="interesting")
    assert weights_of([face.pk], established_only=True)[face.pk] == (0.0, 2.0)
    last = vote_id_max()
    VoteFactory.create(face=later)
    counts = vote_counts_fetch(max_vote_id=last)
    assert later.pk not in counts.face_ids.tolist()
    assert np.array_equal(counts.votes, [2])  # the fresh crowd's rows are not even counted
    weighed = vote_counts_fetch(max_vote_id=last, weights=replace(W, fresh_weight=0.25))
    assert np.array_equal(weighed.votes, [6]) and weighed.interesting[0] > 0
