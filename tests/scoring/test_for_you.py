"""For you (scoring/for_you.py): after enough votes, a head fitted on one visitor's votes
alone orders the faces it has not voted on, its taste first; nobody else's page changes."""

from __future__ import annotations

import numpy as np
import pytest

from facegallery.scoring.for_you import FOR_YOU_REFIT_VOTES, for_you, for_you_clear
from facegallery.scoring.queue import face_get_next_for_voting
from facegallery.scoring.services.labels import is_holdout
from generator.scorer_metrics import weighted_auc
from tests.factories import FaceFactory, VoteFactory

pytestmark = pytest.mark.django_db

ME, SOMEONE = "anon:" + "1" * 32, "anon:" + "2" * 32


@pytest.fixture(autouse=True)
def empty_memo():
    for_you_clear()
    yield
    for_you_clear()


def likes(face) -> bool:  # the visitor's taste: busy faces
    return face.num_strokes >= 6


def vote_by_taste(voter: str, faces) -> None:
    for face in faces:
        VoteFactory.create(face=face, voter=voter, label="interesting" if likes(face) else "boring")


def test_a_visitor_with_too_few_votes_is_told_how_many_more(settings):
    vote_by_taste(ME, FaceFactory.create_batch(5))
    mine = for_you(voter=ME)
    assert (mine.face_ids, mine.votes, mine.needed) == ([], 5, settings.FOR_YOU_MIN_VOTES - 5)
    assert for_you(voter=None).needed == settings.FOR_YOU_MIN_VOTES


def test_the_order_puts_the_visitors_taste_first(settings, drawn_faces):
    settings.FOR_YOU_MIN_VOTES = 20
    voted, unseen = drawn_faces[::2], drawn_faces[1::2]  # both temperatures in each half
    vote_by_taste(ME, voted)
    mine = for_you(voter=ME)
    assert mine.needed == 0 and sorted(mine.face_ids) == sorted(f.pk for f in unseen)
    liked = {f.pk: likes(f) for f in unseen}
    truth = np.array([liked[i] for i in mine.face_ids], np.float64)
    assert 0 < truth.sum() < len(truth)  # both kinds among the candidates
    rank_score = -np.arange(len(truth), dtype=np.float64)  # first = highest
    assert weighted_auc(truth, np.ones(len(truth)), rank_score) > 0.75
    assert for_you(voter=SOMEONE).face_ids == []  # another visitor's page knows nothing of it


def test_one_sided_votes_give_no_order_and_say_why(settings, drawn_faces):
    settings.FOR_YOU_MIN_VOTES = 20
    for face in drawn_faces[:24]:
        VoteFactory.create(face=face, voter=ME, label="boring")
    mine = for_you(voter=ME)
    assert mine.one_sided and mine.face_ids == [] and mine.needed == 0


def test_faces_voted_since_drop_out_and_the_head_is_fitted_again_after_a_few_votes(
    settings, drawn_faces
):
    settings.FOR_YOU_MIN_VOTES = 20
    vote_by_taste(ME, drawn_faces[:24])
    first = for_you(voter=ME).face_ids
    vote_by_taste(ME, [f for f in drawn_faces if f.pk == first[0]])
    second = for_you(voter=ME).face_ids
    assert second == first[1:]  # the same order, less the face just voted on
    voted = {f.pk for f in drawn_faces[:24]} | {first[0]}
    more = [f for f in drawn_faces if f.pk not in voted][:FOR_YOU_REFIT_VOTES]
    vote_by_taste(ME, more)
    third = for_you(voter=ME)
    assert third.votes == 25 + len(more) and not set(third.face_ids) & {f.pk for f in more}


def test_vote_mode_takes_part_of_a_ready_visitors_queue_from_its_order(
    settings, drawn_faces, monkeypatch
):
    settings.FOR_YOU_MIN_VOTES = 20
    vote_by_taste(ME, drawn_faces[:24])
    monkeypatch.setattr("facegallery.scoring.queue.FOR_YOU_QUEUE_SHARE", 1.0)
    order = np.array(for_you(voter=ME).face_ids)
    best = order[~is_holdout(order, settings.SCORER_HOLDOUT_PERCENT)]  # held out: never picked
    picks = [face_get_next_for_voting(voter=ME, exclude_ids=skip) for skip in ([], [best[0]])]
    assert [face.pk if face else None for face in picks] == best[:2].tolist()
