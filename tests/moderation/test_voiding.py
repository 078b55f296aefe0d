"""Voiding at scale (moderation/voiding.py): by voter, IP hash, IP prefix, face and time
window, as a background job with progress, in bulk SQL; counters follow the counted rows."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from facegallery.gallery.models import Face
from facegallery.moderation import voiding
from facegallery.moderation.models import Action, ModerationEvent, VoidJob
from facegallery.moderation.voiding import (
    VoidError,
    VoteSelection,
    vote_void_job_create,
    vote_void_job_run,
    votes_void,
)
from facegallery.voting.models import Vote
from tests.factories import FaceFactory, VoteFactory

pytestmark = pytest.mark.django_db


def assert_counters_equal_counted_rows() -> None:
    counted = Q(votes__counted=True, votes__voided=False)
    for face in Face.objects.annotate(
        i=Count("votes", filter=counted & Q(votes__label="interesting")),
        b=Count("votes", filter=counted & Q(votes__label="boring")),
    ):
        assert (face.interesting_count, face.boring_count) == (face.i, face.b)


@pytest.fixture
def world(faces):
    """Votes that differ in one thing each from the spammer's (voter, IP hash, prefix, time)."""
    now = timezone.now()
    spam = dict(voter="anon:spam", ip_hash="s" * 64, ip_prefix_hash="p" * 64)
    for face in faces[:4]:
        VoteFactory.create(face=face, **spam)
    VoteFactory.create(
        face=faces[0], voter="anon:same-ip", ip_hash="s" * 64, ip_prefix_hash="p" * 64
    )
    VoteFactory.create(face=faces[1], voter="anon:same-net", ip_prefix_hash="p" * 64)
    old = VoteFactory.create(face=faces[2], voter="anon:old-net", ip_prefix_hash="p" * 64)
    Vote.objects.filter(pk=old.pk).update(created=now - timedelta(days=2))
    VoteFactory.create(face=faces[3], voter="anon:honest", label="boring")
    return now


def voided_voters() -> set[str]:
    return set(Vote.objects.filter(voided=True).values_list("voter", flat=True))


@pytest.mark.parametrize(
    ("selection", "voided"),
    [
        (lambda now: VoteSelection(voters=("anon:spam",)), {"anon:spam"}),
        (lambda now: VoteSelection(ip_hash="s" * 64), {"anon:spam", "anon:same-ip"}),
        (
            lambda now: VoteSelection(ip_prefix_hash="p" * 64),
            {"anon:spam", "anon:same-ip", "anon:same-net", "anon:old-net"},
        ),
        (
            lambda now: VoteSelection(ip_prefix_hash="p" * 64, since=now - timedelta(hours=1)),
            {"anon:spam", "anon:same-ip", "anon:same-net"},
        ),
        (
            lambda now: VoteSelection(since=now - timedelta(days=3), until=now - timedelta(days=1)),
            {"anon:old-net"},
        ),
        (
            lambda now: VoteSelection(
                ip_prefix_hash="p" * 64, face_id=None, voters=("anon:same-net",)
            ),
            {"anon:same-net"},
        ),
    ],
    ids=["voter", "ip hash", "prefix", "prefix and window", "window", "prefix and voter"],
)
def test_a_void_job_voids_exactly_what_its_filters_select(
    world, moderator, selection, voided, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        job = vote_void_job_create(selection=selection(world), requested_by=moderator)
    assert len(queued) == 1 and job.status == VoidJob.Status.QUEUED
    vote_void_job_run(job_id=job.pk)  # what the queued task runs
    job.refresh_from_db()
    assert voided_voters() == voided
    assert job.status == VoidJob.Status.DONE and job.votes_voided == len(
        Vote.objects.filter(voided=True)
    )
    assert job.faces_done == job.faces_total > 0 and job.finished_at is not None
    assert Vote.objects.filter(voided=True, voided_at__isnull=True).count() == 0
    assert_counters_equal_counted_rows()
    event = ModerationEvent.objects.get(action=Action.VOTES_VOID)
    assert event.actor == moderator and event.after["voided_votes"] == job.votes_voided


def test_a_job_reports_its_progress_chunk_by_chunk(moderator, monkeypatch):
    monkeypatch.setattr(voiding, "VOID_CHUNK", 3)
    votes = VoteFactory.create_batch(10, ip_hash="h" * 64)  # ten faces
    seen = []
    result = votes_void(
        selection=VoteSelection(ip_hash="h" * 64), actor=moderator,
        progress=lambda done, total, n: seen.append((done, total, n)),
    )  # fmt: skip
    assert seen == [(3, 10, 3), (6, 10, 6), (9, 10, 9), (10, 10, 10)]
    assert result.votes == len(votes) and Vote.objects.filter(voided=False).count() == 0
    assert_counters_equal_counted_rows()


def test_a_job_runs_once_and_a_selection_without_filters_is_refused(moderator):
    VoteFactory.create(voter="anon:spam")
    job = vote_void_job_create(
        selection=VoteSelection(voters=("anon:spam",)), requested_by=moderator
    )
    assert vote_void_job_run(job_id=job.pk) is not None
    assert vote_void_job_run(job_id=job.pk) is None  # a redelivered task: already claimed
    with pytest.raises(VoidError):
        vote_void_job_create(selection=VoteSelection(), requested_by=moderator)
    now = timezone.now()
    with pytest.raises(VoidError):
        VoteSelection(since=now, until=now - timedelta(hours=1)).check()


def test_voiding_1516_single_vote_voters_sharing_an_ip_hash_takes_seconds(moderator):
    # The incident: 1,516 one-vote voters behind one address took 21 s in one admin request.
    faces = FaceFactory.create_batch(1516)
    Vote.objects.bulk_create(
        [Vote(face=face, voter=f"anon:{n:032x}", label="interesting", ip_hash="i" * 64)
         for n, face in enumerate(faces)]
    )  # fmt: skip
    Face.objects.update(interesting_count=1)
    job = vote_void_job_create(selection=VoteSelection(ip_hash="i" * 64), requested_by=moderator)
    started = time.perf_counter()
    vote_void_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    print(f"voided 1516 voters sharing one IP hash in {seconds:.2f} s")
    job.refresh_from_db()
    assert job.votes_voided == 1516 and job.faces_done == 1516
    assert not Face.objects.filter(interesting_count__gt=0).exists()
    assert seconds < 5
