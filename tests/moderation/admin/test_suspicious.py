"""The suspicious-activity page: a planted burst, a crowd of new voters from one prefix and
voters in lockstep are listed; Void queues a job, Block blocks; both need permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from facegallery.moderation.models import Action, ModerationEvent, VoidJob
from facegallery.moderation.suspicious import BURST_MIN_VOTES, LOCKSTEP_FACES, NEW_VOTERS_MIN
from facegallery.voting.models import Block, Vote, Voter
from tests.factories import FaceFactory, VoteFactory, voter_record

PAGE = reverse("admin:moderation_suspiciousactivity_changelist")
ACT = reverse("admin:moderation_suspiciousactivity_act")
BURST_PREFIX, CROWD_PREFIX = "b" * 64, "c" * 64


@pytest.fixture
def planted(db):
    """A burst on one face, a crowd of new voters from one prefix, three voters in lockstep,
    and the honest background that must not be listed."""
    burst_face, *faces = FaceFactory.create_batch(LOCKSTEP_FACES + 3)
    VoteFactory.create_batch(BURST_MIN_VOTES + 2, face=burst_face, ip_prefix_hash=BURST_PREFIX)
    for n in range(NEW_VOTERS_MIN + 1):
        voter_record(f"anon:crowd{n}", established=False, ip_prefix_hash=CROWD_PREFIX)
    start = timezone.now() - timedelta(minutes=5)
    for k in range(3):  # a script driving three identities through the same faces
        for step, face in enumerate(faces[:LOCKSTEP_FACES]):
            vote = VoteFactory.create(face=face, voter=f"anon:bot{k}")
            Vote.objects.filter(pk=vote.pk).update(created=start + timedelta(seconds=step * 2 + k))
    for face in reversed(faces):  # an honest voter, another order
        VoteFactory.create(face=face, voter="anon:honest")
    return burst_face


def test_the_page_lists_a_planted_burst_new_voters_and_voters_in_lockstep(
    moderator_client, planted
):
    response = moderator_client.get(PAGE)
    assert response.status_code == 200
    bursts = response.context["bursts"]
    assert [(b.face_id, b.ip_prefix_hash, b.votes) for b in bursts] == [
        (planted.pk, BURST_PREFIX, BURST_MIN_VOTES + 2)
    ]
    (crowd,) = response.context["new_voters"]
    assert (crowd.ip_prefix_hash, crowd.voters, crowd.established) == (
        CROWD_PREFIX, NEW_VOTERS_MIN + 1, 0,
    )  # fmt: skip
    (lockstep,) = response.context["lockstep"]
    assert lockstep.voters == ("anon:bot0", "anon:bot1", "anon:bot2")
    assert f"#{planted.pk}" in response.text and "Void" in response.text


def test_old_activity_shows_in_the_day_window_only(moderator_client, planted):
    Vote.objects.update(created=timezone.now() - timedelta(hours=3))
    Voter.objects.update(first_vote_at=timezone.now() - timedelta(hours=3))
    hour = moderator_client.get(PAGE).context
    assert not hour["bursts"] and not hour["new_voters"] and not hour["lockstep"]
    day = moderator_client.get(PAGE, {"window": "day"}).context
    assert day["bursts"] and day["new_voters"] and day["lockstep"]


def test_void_queues_a_job_of_what_the_row_shows(
    moderator_client, moderator, planted, django_capture_on_commit_callbacks
):
    since = timezone.now() - timedelta(hours=1)
    with django_capture_on_commit_callbacks() as queued:
        response = moderator_client.post(ACT, {
            "do": "void", "prefix": BURST_PREFIX, "face": planted.pk,
            "since": since.isoformat(), "window": "hour",
        })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?window=hour"
    job = VoidJob.objects.get()
    assert (job.ip_prefix_hash, job.face_id, job.since) == (BURST_PREFIX, planted.pk, since)
    assert job.requested_by == moderator and len(queued) == 1
    moderator_client.post(ACT, {"do": "void", "voter": ["anon:bot0", "anon:bot1"]})
    assert VoidJob.objects.order_by("-pk")[0].voters == ["anon:bot0", "anon:bot1"]


def test_block_blocks_the_prefix_or_the_voters_and_is_recorded(moderator_client, planted):
    moderator_client.post(ACT, {"do": "block", "prefix": CROWD_PREFIX})
    moderator_client.post(ACT, {"do": "block", "voter": ["anon:bot0", "anon:bot1"]})
    assert set(Block.objects.values_list("kind", "value")) == {
        (Block.Kind.IP_PREFIX, CROWD_PREFIX), (Block.Kind.VOTER, "anon:bot0"),
        (Block.Kind.VOTER, "anon:bot1"),
    }  # fmt: skip
    actions = set(ModerationEvent.objects.values_list("action", flat=True))
    assert actions == {Action.IP_PREFIX_BLOCK, Action.VOTER_BLOCK}


def staff_with(*codenames: str) -> Client:
    member = User.objects.create_user(f"staff-{len(codenames)}", is_staff=True)
    member.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(member)
    return client


def test_the_buttons_need_their_permissions(planted):
    viewer = staff_with("view_suspiciousactivity")
    page = viewer.get(PAGE)
    assert page.status_code == 200 and "Void</button>" not in page.text
    assert viewer.post(ACT, {"do": "void", "prefix": BURST_PREFIX}).status_code == 403
    assert viewer.post(ACT, {"do": "block", "prefix": BURST_PREFIX}).status_code == 403
    assert staff_with().get(PAGE).status_code == 403
    assert not VoidJob.objects.exists() and not Block.objects.exists()
    anonymous = Client().post(ACT, {"do": "block", "prefix": BURST_PREFIX})
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert Client().get(ACT).status_code == 302  # login first, then only POST


def test_a_void_without_filters_is_refused_with_a_message(moderator_client, planted):
    response = moderator_client.post(ACT, {"do": "void"}, follow=True)
    assert "Name a voter" in response.text and not VoidJob.objects.exists()
