"""Influence is bounded: counted votes per face and IP prefix, fresh voters' smaller share;
uncounted votes are kept; counters always equal the counted rows (voting/services.py)."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from facegallery.gallery.models import Face
from facegallery.gallery.ranking import wilson_lower_bound
from facegallery.voting.identity import ip_prefix, salted_hash
from facegallery.voting.models import Vote
from facegallery.voting.services import face_counters_refresh, vote_cast, vote_undo
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
        voter = f"anon:{'e' if established else 'f'}{prefix[:4]}{i:027x}"
        if established:
            voter_record(voter, established=True, ip_prefix_hash=prefix)
        vote_cast(face_id=face.pk, voter=voter, label="interesting", ip_prefix_hash=prefix,
                  voter_since=timezone.now())  # fmt: skip


def test_one_prefix_counts_at_most_its_cap_on_a_face(settings):
    face = FaceFactory.create()
    crowd_votes(face, 14, established=True)
    face.refresh_from_db()
    assert face.interesting_count == settings.VOTE_COUNTED_PER_FACE_PREFIX == 10
    assert Vote.objects.filter(face=face).count() == 14  # every vote is kept ...
    assert Vote.objects.filter(face=face, counted=False).count() == 4  # ... flagged uncounted
    assert_counters_equal_counted_rows()


def test_fresh_voters_of_one_prefix_count_less_than_established_ones(settings):
    face = FaceFactory.create()
    crowd_votes(face, 8, established=False)
    face.refresh_from_db()
    assert face.interesting_count == settings.VOTE_COUNTED_PER_FACE_PREFIX_FRESH == 3
    crowd_votes(face, 9, established=True)  # established ones fill up to the prefix's cap
    face.refresh_from_db()
    assert face.interesting_count == 10
    assert_counters_equal_counted_rows()


def test_other_prefixes_and_faces_have_caps_of_their_own():
    face, other = FaceFactory.create_batch(2)
    crowd_votes(face, 5, established=False)
    crowd_votes(face, 5, established=False, prefix=salted_hash(ip_prefix("203.0.114.5")))
    crowd_votes(other, 5, established=False)
    counts = dict(Face.objects.values_list("pk", "interesting_count"))
    assert counts == {face.pk: 6, other.pk: 3}


def test_changing_or_undoing_an_uncounted_vote_leaves_the_counters_alone():
    face = FaceFactory.create()
    crowd_votes(face, 4, established=False)
    uncounted = Vote.objects.get(counted=False)
    vote_cast(face_id=face.pk, voter=uncounted.voter, label="boring", ip_prefix_hash=PREFIX,
              voter_since=timezone.now())  # fmt: skip
    face.refresh_from_db()
    assert (face.interesting_count, face.boring_count) == (3, 0)
    assert not Vote.objects.get(pk=uncounted.pk).counted  # a change does not make it count
    vote_undo(face_id=face.pk, voter=uncounted.voter)
    assert_counters_equal_counted_rows()
    counted = Vote.objects.filter(counted=True).first()
    assert counted is not None
    vote_cast(face_id=face.pk, voter=counted.voter, label="boring", ip_prefix_hash=PREFIX,
              voter_since=timezone.now())  # fmt: skip
    face.refresh_from_db()
    assert (face.interesting_count, face.boring_count) == (2, 1)
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
