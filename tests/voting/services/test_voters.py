"""Who counts as a voter (voting/voters.py): the cap on new voters per IP prefix, a moving
hour; 30 visitors behind one address all vote and all count once established; when a voter
is established, and that its pending votes are then sent to be counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from facegallery.voting.identity import ip_prefix, salted_hash
from facegallery.voting.models import Vote, Voter
from facegallery.voting.services import vote_cast, voter_votes_vouch
from facegallery.voting.tasks import voter_votes_vouch_task
from facegallery.voting.voters import TooManyNewVoters
from tests.factories import FaceFactory, VoteFactory, visitor

pytestmark = pytest.mark.django_db


def vote_from(address: str, face_id: int) -> int:
    """A new visitor at `address` opens a page, then votes: the response status."""
    return visitor(address=address).post(f"/faces/{face_id}/vote", {"label": "boring"}).status_code


def test_new_voters_per_ipv4_prefix_are_capped_for_an_hour(settings):
    face = FaceFactory.create()
    cap = settings.NEW_VOTERS_PER_PREFIX_HOUR
    # Rotating addresses within the /24 changes nothing: one prefix.
    statuses = [vote_from(f"203.0.113.{n % 250}", face.pk) for n in range(cap + 2)]
    assert statuses == [303] * cap + [429, 429]
    refused = visitor(address="203.0.113.9").post(f"/faces/{face.pk}/vote", {"label": "boring"})
    assert b"too many new voters" in refused.content
    assert 3000 < int(refused["Retry-After"]) <= 3600
    assert Vote.objects.count() == Voter.objects.count() == cap  # refused ones wrote nothing
    assert vote_from("203.0.114.1", face.pk) == 303  # the next /24 is someone else


def test_an_ipv6_client_rotating_addresses_in_its_slash_64_meets_the_cap(settings):
    settings.NEW_VOTERS_PER_PREFIX_HOUR = 5
    face = FaceFactory.create()
    statuses = [vote_from(f"2001:db8:aa:bb:{n:x}::{n:x}", face.pk) for n in range(7)]
    assert statuses == [303] * 5 + [429, 429]


def test_the_cap_is_a_moving_hour(settings):
    settings.NEW_VOTERS_PER_PREFIX_HOUR = 3
    face = FaceFactory.create()
    assert [vote_from("198.51.100.1", face.pk) for _ in range(4)] == [303, 303, 303, 429]
    oldest = Voter.objects.order_by("first_vote_at").first()
    assert oldest is not None
    Voter.objects.filter(pk=oldest.pk).update(first_vote_at=timezone.now() - timedelta(minutes=61))
    assert [vote_from("198.51.100.1", face.pk) for _ in range(2)] == [303, 429]


@pytest.fixture
def vouches_sent(monkeypatch) -> list[str]:
    """The voters whose pending votes were sent to the worker to be counted (recorded, not
    sent; on-commit callbacks run inside django_capture_on_commit_callbacks)."""
    sent: list[str] = []
    monkeypatch.setattr(voter_votes_vouch_task, "delay", sent.append)
    return sent


def test_thirty_visitors_behind_one_address_all_vote_and_all_count(
    django_capture_on_commit_callbacks, vouches_sent
):
    faces = FaceFactory.create_batch(34)
    clients = [visitor(address="192.0.2.10") for _ in range(30)]

    def browse(n: int, client, chosen) -> None:  # a class browsing: each votes its own faces
        for face in chosen:
            response = client.post(f"/faces/{face.pk}/vote", {"label": "interesting"})
            assert response.status_code == 303
            # A human pace: seconds between one visitor's votes.
            Voter.objects.update(last_vote_at=timezone.now() - timedelta(seconds=5))

    for n, client in enumerate(clients):
        browse(n, client, faces[n : n + 3])
    assert Voter.objects.count() == 30 and Vote.objects.count() == 90
    assert not Vote.objects.filter(counted=True).exists()  # pending: they are all new
    # Ten minutes later they go on voting, and each is established at its fifth vote.
    Voter.objects.update(first_vote_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        for n, client in enumerate(clients):
            browse(n, client, faces[n + 3 : n + 5])
    assert sorted(vouches_sent) == sorted(Voter.objects.values_list("key", flat=True))
    for voter in vouches_sent:
        voter_votes_vouch(voter=voter)  # what the worker runs
    assert Vote.objects.filter(counted=True).count() == Vote.objects.count() == 150
    for face in faces:
        face.refresh_from_db()
        assert face.interesting_count == Vote.objects.filter(face=face).count()


def test_the_vote_that_establishes_a_voter_sends_its_pending_votes_once(
    settings, django_capture_on_commit_callbacks, vouches_sent
):
    faces = FaceFactory.create_batch(settings.VOTER_ESTABLISHED_VOTES + 2)
    with django_capture_on_commit_callbacks(execute=True):
        cast("anon:" + "4" * 32, faces, gap=timedelta(seconds=3), settings=settings)
    assert vouches_sent == ["anon:" + "4" * 32]  # at the fifth vote, not at the sixth


def test_a_voter_with_votes_from_before_voter_records_is_not_new(settings):
    settings.NEW_VOTERS_PER_PREFIX_HOUR = 1
    face, other = FaceFactory.create_batch(2)
    prefix = salted_hash(ip_prefix("192.0.2.1"))
    vote_cast(face_id=face.pk, voter="anon:" + "a" * 32, label="boring", ip_prefix_hash=prefix,
              voter_since=timezone.now())  # fmt: skip
    old = VoteFactory.create(face=face, voter="anon:" + "b" * 32)  # no record: from before
    Vote.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
    vote_cast(face_id=other.pk, voter=old.voter, label="boring", ip_prefix_hash=prefix,
              voter_since=timezone.now())  # fmt: skip
    record = Voter.objects.get(key=old.voter)
    assert record.votes_cast == 2 and record.first_vote_at < timezone.now() - timedelta(days=29)
    with pytest.raises(TooManyNewVoters):
        vote_cast(face_id=other.pk, voter="anon:" + "c" * 32, label="boring",
                  ip_prefix_hash=prefix, voter_since=timezone.now())  # fmt: skip


def cast(voter: str, faces, *, gap: timedelta, settings) -> Voter:
    """`voter` votes on `faces`, its clock moved `gap` on between votes."""
    for face in faces:
        vote_cast(face_id=face.pk, voter=voter, label="boring", voter_since=timezone.now())
        Voter.objects.filter(key=voter).update(
            last_vote_at=timezone.now() - gap, first_vote_at=timezone.now() - timedelta(hours=1)
        )
    return Voter.objects.get(key=voter)


def test_a_voter_is_established_after_enough_votes_at_a_human_pace_and_time(settings):
    faces = FaceFactory.create_batch(settings.VOTER_ESTABLISHED_VOTES)
    human = cast("anon:" + "1" * 32, faces[:-1], gap=timedelta(seconds=3), settings=settings)
    assert human.established_at is None  # one vote short
    human = cast(human.key, faces[-1:], gap=timedelta(seconds=3), settings=settings)
    assert human.established_at is not None and human.fast_votes == 0
    script = cast("anon:" + "2" * 32, faces, gap=timedelta(milliseconds=50), settings=settings)
    assert script.established_at is None and script.fast_votes == len(faces) - 1


def test_a_brand_new_voter_is_not_established_however_many_votes(settings):
    faces = FaceFactory.create_batch(settings.VOTER_ESTABLISHED_VOTES + 2)
    for face in faces:
        vote_cast(face_id=face.pk, voter="anon:" + "3" * 32, label="boring",
                  voter_since=timezone.now())  # fmt: skip
    record = Voter.objects.get()
    assert record.votes_cast == len(faces) and record.established_at is None
    assert not Vote.objects.filter(trusted=True).exists()


def test_accounts_and_callers_that_vouch_for_a_voter_need_no_record():
    face = FaceFactory.create()
    vote_cast(face_id=face.pk, voter="user:7", label="boring", voter_since=timezone.now())
    vote_cast(face_id=face.pk, voter="sim:1", label="boring")  # simulate_voters
    assert not Voter.objects.exists() and Vote.objects.filter(trusted=True).count() == 2
