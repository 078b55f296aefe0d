"""vote_cast / vote_undo keep one vote per voter and counters equal to the vote rows."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.ranking import wilson_lower_bound
from facegallery.voting.models import Block, Vote
from facegallery.voting.services import (
    FaceNotFound,
    VoterBlocked,
    VotingError,
    face_counters_refresh,
    vote_cast,
    vote_undo,
)
from tests.factories import FaceFactory


@pytest.fixture
def faces(transactional_db) -> list[Face]:
    """Committed rows: one test votes from many threads, each with its own connection."""
    return FaceFactory.create_batch(4)


def counters(face: Face) -> tuple[int, int]:
    face.refresh_from_db()
    return face.interesting_count, face.boring_count


def rows(face: Face) -> tuple[int, int]:
    votes = Vote.objects.filter(face=face, voided=False)
    return votes.filter(label="interesting").count(), votes.filter(label="boring").count()


def test_a_vote_counts_once_and_updates_the_ranking(faces):
    face = faces[0]
    vote_cast(face_id=face.pk, voter="anon:a", label="interesting")
    vote_cast(face_id=face.pk, voter="anon:a", label="interesting")
    assert counters(face) == (1, 0) == rows(face)
    assert face.wilson_interesting == pytest.approx(wilson_lower_bound(1, 1))


def test_changing_a_vote_moves_it_between_counters(faces):
    face = faces[0]
    vote_cast(face_id=face.pk, voter="anon:a", label="interesting")
    result = vote_cast(face_id=face.pk, voter="anon:a", label="boring")
    assert result.changed and result.label == "boring"
    assert counters(face) == (0, 1) == rows(face)


def test_undo_removes_the_vote_and_its_count(faces):
    face = faces[0]
    vote_cast(face_id=face.pk, voter="anon:a", label="boring")
    vote_undo(face_id=face.pk, voter="anon:a")
    assert counters(face) == (0, 0) == rows(face)
    assert vote_undo(face_id=face.pk, voter="anon:a").changed is False


def test_an_unknown_label_records_nothing(faces):
    with pytest.raises(VotingError):
        vote_cast(face_id=faces[0].pk, voter="anon:a", label="meh")
    assert Vote.objects.count() == 0


@pytest.mark.parametrize("status", [FaceStatus.HIDDEN, FaceStatus.FILTERED])
def test_hidden_and_filtered_faces_cannot_be_voted_on(faces, status):
    Face.objects.filter(pk=faces[0].pk).update(status=status)
    with pytest.raises(FaceNotFound):
        vote_cast(face_id=faces[0].pk, voter="anon:a", label="boring")
    with pytest.raises(FaceNotFound):
        vote_cast(face_id=10**12, voter="anon:a", label="boring")
    assert Vote.objects.count() == 0


def test_blocked_voters_and_ip_hashes_cannot_vote(faces):
    Block.objects.create(kind="voter", value="anon:spam")
    Block.objects.create(kind="ip_hash", value="f" * 64)
    with pytest.raises(VoterBlocked):
        vote_cast(face_id=faces[0].pk, voter="anon:spam", label="boring")
    with pytest.raises(VoterBlocked):
        vote_cast(face_id=faces[0].pk, voter="anon:ok", label="boring", ip_hash="f" * 64)
    assert Vote.objects.count() == 0


def test_a_block_is_told_before_a_missing_face_and_an_empty_ip_hash_matches_no_block(faces):
    Block.objects.create(kind="voter", value="anon:spam")
    Block.objects.create(kind="ip_hash", value="")
    with pytest.raises(VoterBlocked):
        vote_cast(face_id=10**12, voter="anon:spam", label="boring")
    assert vote_cast(face_id=faces[0].pk, voter="anon:ok", label="boring", ip_hash="").changed


def test_refresh_recounts_from_rows_without_voided_votes(faces):
    face = faces[0]
    for voter in ("anon:a", "anon:b", "anon:c"):
        vote_cast(face_id=face.pk, voter=voter, label="interesting")
    Vote.objects.filter(voter="anon:b").update(voided=True)
    face_counters_refresh(face_ids=[face.pk])
    assert counters(face) == (2, 0) == rows(face)


def test_many_parallel_votes_on_one_face_end_with_counters_equal_to_rows(faces):
    face = faces[0]
    actions = [
        (f"anon:{i % 30}", random.choice(["interesting", "boring", "undo"])) for i in range(240)
    ]

    def act(action):
        voter, label = action
        try:
            if label == "undo":
                vote_undo(face_id=face.pk, voter=voter)
            else:
                vote_cast(face_id=face.pk, voter=voter, label=label)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(act, actions))
    assert counters(face) == rows(face)
    assert (
        Vote.objects.filter(face=face).values("voter").distinct().count()
        == Vote.objects.filter(face=face).count()
    )
