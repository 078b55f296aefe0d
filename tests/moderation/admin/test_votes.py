"""Votes per face and per voter; voiding a voter; blocking voters and IP hashes."""

from __future__ import annotations

import re

from django.urls import reverse

from facegallery.gallery.models import Face
from facegallery.moderation.models import Action, ModerationEvent, VoidJob
from facegallery.moderation.voiding import vote_void_job_run
from facegallery.voting.models import Block, Vote
from facegallery.voting.services import vote_cast

VOTES = reverse("admin:voting_vote_changelist")
BLOCKS = reverse("admin:voting_block_changelist")


def listed_votes(response) -> list[int]:
    return [int(i) for i in re.findall(r'name="_selected_action" value="(\d+)"', response.text)]


def cast(faces, voter: str, n: int, ip_hash: str = "") -> list[int]:
    for face in faces[:n]:
        vote_cast(face_id=face.pk, voter=voter, label="interesting", ip_hash=ip_hash)
    return list(Vote.objects.filter(voter=voter).values_list("pk", flat=True))


def test_votes_are_listed_per_voter_and_per_face(moderator_client, faces):
    spam = cast(faces, "anon:spam", 4)
    honest = cast(faces, "anon:honest", 2)
    by_voter = moderator_client.get(VOTES, {"voter": "anon:spam"})
    assert sorted(listed_votes(by_voter)) == sorted(spam)
    by_face = moderator_client.get(VOTES, {"face": faces[0].pk})
    assert len(listed_votes(by_face)) == 2
    searched = moderator_client.get(VOTES, {"q": "anon:honest"})
    assert sorted(listed_votes(searched)) == sorted(honest)
    assert moderator_client.get(VOTES, {"q": str(faces[3].pk)}).status_code == 200


def test_voiding_a_voter_from_the_vote_list_updates_the_counters(
    moderator_client, faces, django_capture_on_commit_callbacks
):
    spam = cast(faces, "anon:spam", 5)
    cast(faces, "anon:honest", 1)
    with django_capture_on_commit_callbacks() as queued:
        response = moderator_client.post(
            VOTES, {"action": "void_voters_votes", "_selected_action": spam[:1]}, follow=True
        )
    job = VoidJob.objects.get()
    assert "Voiding the votes of 1 voter(s) in the background" in response.text
    assert len(queued) == 1 and job.voters == ["anon:spam"]
    vote_void_job_run(job_id=job.pk)  # what the queued task runs
    job.refresh_from_db()
    assert (job.status, job.votes_voided, job.faces_done) == (VoidJob.Status.DONE, 5, 5)
    assert Vote.objects.filter(voter="anon:spam", voided=False).count() == 0
    assert [f.interesting_count for f in Face.objects.order_by("pk")] == [1, 0, 0, 0, 0, 0]


def test_voters_and_ip_hashes_are_blocked_from_the_vote_list(moderator_client, faces):
    votes = cast(faces, "anon:troll", 2, ip_hash="a" * 64)
    for action in ("block_voters", "block_ip_hashes"):
        moderator_client.post(VOTES, {"action": action, "_selected_action": votes})
    blocked = set(Block.objects.values_list("kind", "value"))
    assert blocked == {("voter", "anon:troll"), ("ip_hash", "a" * 64)}


def test_adding_and_removing_a_block_in_the_admin_is_recorded(moderator_client, faces):
    response = moderator_client.post(
        reverse("admin:voting_block_add"),
        {"kind": "voter", "value": "anon:troll", "reason": "spam"},
    )
    assert response.status_code == 302
    block = Block.objects.get()
    delete = reverse("admin:voting_block_delete", args=[block.pk])
    assert moderator_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Block.objects.exists()
    actions = list(ModerationEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [Action.VOTER_BLOCK, Action.BLOCK_REMOVE]


def test_votes_cannot_be_edited_or_deleted_in_the_admin(moderator_client, faces):
    [vote] = cast(faces, "anon:a", 1)
    url = reverse("admin:voting_vote_change", args=[vote])
    moderator_client.post(url, {"label": "boring", "voided": "on"})
    assert Vote.objects.get(pk=vote).label == "interesting"
    assert not Vote.objects.get(pk=vote).voided
