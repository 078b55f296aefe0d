"""Influence is bounded: counted votes per face and IP prefix; a fresh voter's votes are
pending until it is established, then counted under the same cap; uncounted votes are kept;
counters always equal the counted rows (voting/services.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from facegallery.gallery.models import Face
from facegallery.gallery.ranking import wilson_lower_bound
from facegallery.voting.identity import ip_prefix, salted_hash
from facegallery.voting.models import Vote
from facegallery.voting.services import (
    face_counters_refresh,
    vote_cast,
    vote_undo,
    voter_votes_vouch,
)
from tests.factories import FaceFactory, voter_record

pytestmark = pytest.mark.django_db

PREFIX = salted_hash(ip_prefix("203.0.113.5"))


def assert_counters_equal_counted_rows() -> None:
    counted = Q(votes__counted=True, votes__voided=False)
    for face in Face.objects.annotate(
        i=Count("votes", filter=counted & Q(votes__label="interesting")),
        b=Count("votes", filter=counted & Q(votes__label="boring")),
    ):
        assert (face.interesting_count, face.boring_count) == (face.i, face.b)
        assert face.wilson_interesting == pytest.approx(wilson_lower_bound(face.i, face.i + face.b))


def crowd_votes(face: Face, n: int, *, established: bool, prefix: str = PREFIX) -> None:
    for i in range(n):
        voter = f"anon:{'e' if established else 'f'}{prefix[:4]}{face.pk:016x}{i:011x}"
        if established:
            voter_record(voter, established=True, ip_prefix_hash=prefix)
        vote_cast(face_id=face.pk, voter=voter, label="interesting", ip_prefix_hash=prefix,
                  voter_since=timezone.now())  # fmt: skip


def test_one_prefix_counts_at_most_its_cap_on_a_face():
    face = FaceFactory.create()
    crowd_votes(face, 14, established=True)
    face.refresh_from_db()
    assert face.interesting_count == settings.VOTE_COUNTED_PER_FACE_PREFIX == 10
    assert Vote.objects.filter(face=face).count() == 14  # every vote is kept ...
    assert Vote.objects.filter(face=face, counted=False).count() == 4  # ... flagged uncounted
    assert_counters_equal_counted_rows()


def counters(*faces: Face) -> list[tuple[int, int]]:
    for face in faces:
        face.refresh_from_db()
    return [(face.interesting_count, face.boring_count) for face in faces]


def test_a_fresh_voters_votes_are_kept_pending_and_move_no_counter():
    faces = FaceFactory.create_batch(3)
    results = [
        vote_cast(face_id=face.pk, voter="anon:" + "f" * 32, label="interesting",
                  ip_prefix_hash=PREFIX, voter_since=timezone.now())
        for face in faces
    ]  # fmt: skip
    assert all(r.pending and not r.counted and r.interesting_count == 0 for r in results)
    assert counters(*faces) == [(0, 0)] * 3
    assert Vote.objects.filter(counted=False, trusted=False).count() == 3
    assert_counters_equal_counted_rows()


def test_a_crowd_of_fresh_voters_cannot_move_a_face_at_all():
    face = FaceFactory.create()
    crowd_votes(face, 40, established=False)
    assert counters(face) == [(0, 0)] and Vote.objects.filter(face=face).count() == 40
    crowd_votes(face, 12, established=True)  # established ones count, up to the cap
    assert counters(face) == [(settings.VOTE_COUNTED_PER_FACE_PREFIX, 0)]


def test_once_established_a_voters_pending_votes_count():
    faces = FaceFactory.create_batch(3)
    voter = "anon:" + "a" * 32
    for face in faces:
        vote_cast(face_id=face.pk, voter=voter, label="boring", ip_prefix_hash=PREFIX,
                  voter_since=timezone.now())  # fmt: skip
    assert voter_votes_vouch(voter=voter) == 3  # (the caller runs it once it is established)
    assert counters(*faces) == [(0, 1)] * 3
    assert Vote.objects.filter(voter=voter, counted=True, trusted=True).count() == 3
    assert voter_votes_vouch(voter=voter) == 0  # a second run (a redelivery) changes nothing
    assert counters(*faces) == [(0, 1)] * 3
    assert_counters_equal_counted_rows()


def test_pending_votes_that_would_pass_the_prefixs_cap_stay_uncounted():
    full, other = FaceFactory.create_batch(2)
    crowd_votes(full, settings.VOTE_COUNTED_PER_FACE_PREFIX, established=True)
    voter = "anon:" + "b" * 32
    for face in (full, other):
        vote_cast(face_id=face.pk, voter=voter, label="interesting", ip_prefix_hash=PREFIX,
                  voter_since=timezone.now())  # fmt: skip
    assert voter_votes_vouch(voter=voter) == 1
    assert counters(full, other) == [(settings.VOTE_COUNTED_PER_FACE_PREFIX, 0), (1, 0)]
    late = Vote.objects.get(face=full, voter=voter)
    assert late.trusted and not late.counted  # trusted for training, over the ranking cap
    assert_counters_equal_counted_rows()


def test_voided_pending_votes_stay_out_when_their_voter_is_established():
    face = FaceFactory.create()
    voter = "anon:" + "c" * 32
    vote_cast(face_id=face.pk, voter=voter, label="interesting", ip_prefix_hash=PREFIX,
              voter_since=timezone.now())  # fmt: skip
    Vote.objects.update(voided=True)
    assert voter_votes_vouch(voter=voter) == 0
    assert counters(face) == [(0, 0)]


def test_other_prefixes_and_faces_have_caps_of_their_own():
    face, other = FaceFactory.create_batch(2)
    cap = settings.VOTE_COUNTED_PER_FACE_PREFIX
    crowd_votes(face, cap + 2, established=True)
    crowd_votes(face, cap + 2, established=True, prefix=salted_hash(ip_prefix("203.0.114.5")))
    crowd_votes(other, cap + 2, established=True)
    counts = dict(Face.objects.values_list("pk", "interesting_count"))
    assert counts == {face.pk: 2 * cap, other.pk: cap}


def test_changing_or_undoing_an_uncounted_vote_leaves_the_counters_alone():
    face = FaceFactory.create()
    cap = settings.VOTE_COUNTED_PER_FACE_PREFIX
    crowd_votes(face, cap + 1, established=True)
    uncounted = Vote.objects.get(counted=False)
    vote_cast(face_id=face.pk, voter=uncounted.voter, label="boring", ip_prefix_hash=PREFIX,
              voter_since=timezone.now())  # fmt: skip
    assert counters(face) == [(cap, 0)]
    assert not Vote.objects.get(pk=uncounted.pk).counted  # a change does not make it count
    vote_undo(face_id=face.pk, voter=uncounted.voter)
    assert_counters_equal_counted_rows()
    counted = Vote.objects.filter(counted=True).first()
    assert counted is not None
    vote_cast(face_id=face.pk, voter=counted.voter, label="boring", ip_prefix_hash=PREFIX,
              voter_since=timezone.now())  # fmt: skip
    assert counters(face) == [(cap - 1, 1)]
    assert_counters_equal_counted_rows()


def test_a_voided_vote_stays_voided_when_cast_or_undone_again():
    face = FaceFactory.create()
    vote_cast(face_id=face.pk, voter="anon:x", label="interesting")
    Vote.objects.update(voided=True)
    face_counters_refresh(face_ids=[face.pk])
    again = vote_cast(face_id=face.pk, voter="anon:x", label="boring")
    assert again.changed is False
    assert vote_undo(face_id=face.pk, voter="anon:x").changed is False
    (vote,) = Vote.objects.all()
    assert vote.voided and vote.label == "interesting"
    assert_counters_equal_counted_rows()


def test_votes_without_a_prefix_count_as_before():
    face = FaceFactory.create()
    for n in range(15):  # scripts and tests that name no address
        vote_cast(face_id=face.pk, voter=f"anon:{n}", label="boring")
    face.refresh_from_db()
    assert face.boring_count == 15
