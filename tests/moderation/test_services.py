"""Moderation services change the data and record who did what, before and after."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import Face, FaceStatus
from facegallery.moderation.models import Action, ModerationEvent
from facegallery.moderation.services import (
    ModerationError,
    block_remove,
    face_delete,
    face_feature,
    face_hide,
    face_unfeature,
    face_unhide,
    ip_hash_block,
    report_dismiss,
    voter_block,
    voter_votes_void,
)
from facegallery.voting.models import Block, Report, Vote
from facegallery.voting.services import VoterBlocked, report_create, vote_cast


def status_of(face: Face) -> int:
    face.refresh_from_db()
    return face.status


def events(action: str) -> list[ModerationEvent]:
    return list(ModerationEvent.objects.filter(action=action).order_by("id"))


def test_hiding_a_face_records_who_and_the_status_before_and_after(faces, moderator):
    face = faces[0]
    assert face_hide(face_ids=[face.pk], actor=moderator) == 1
    assert status_of(face) == FaceStatus.HIDDEN
    [event] = events(Action.FACE_HIDE)
    assert (event.actor, event.actor_name, event.face_id) == (moderator, "mia", face.pk)
    assert event.before["status"] == "visible"
    assert event.after["status"] == "hidden"


def test_hiding_a_hidden_face_changes_nothing_and_records_nothing(faces, moderator):
    face_hide(face_ids=[faces[0].pk], actor=moderator)
    assert face_hide(face_ids=[faces[0].pk], actor=moderator) == 0
    assert len(events(Action.FACE_HIDE)) == 1


def test_hiding_resolves_the_faces_open_reports(faces, moderator):
    face = faces[0]
    report_create(face_id=face.pk, voter="anon:r1", reason="rude")
    report_create(face_id=faces[1].pk, voter="anon:r1", reason="other face")
    face_hide(face_ids=[face.pk], actor=moderator)
    assert list(Report.objects.filter(face=face).values_list("resolution", flat=True)) == [
        Report.Resolution.HIDDEN
    ]
    assert Report.objects.get(face=faces[1]).resolution == Report.Resolution.OPEN
    assert events(Action.FACE_HIDE)[0].before["open_reports"] == 1


def test_unhiding_restores_the_status_the_face_had_before(faces, moderator):
    visible, filtered = faces[0], faces[1]
    Face.objects.filter(pk=filtered.pk).update(status=FaceStatus.FILTERED)
    face_hide(face_ids=[visible.pk, filtered.pk], actor=moderator)
    assert face_unhide(face_ids=[visible.pk, filtered.pk], actor=moderator) == 2
    assert status_of(visible) == FaceStatus.VISIBLE
    # A face the scorer filtered must not reach the public pages by being unhidden.
    assert status_of(filtered) == FaceStatus.FILTERED
    assert [e.after["status"] for e in events(Action.FACE_UNHIDE)] == ["visible", "filtered"]


def test_unhiding_a_face_hidden_without_an_event_makes_it_visible(faces, moderator):
    Face.objects.filter(pk=faces[0].pk).update(status=FaceStatus.HIDDEN)
    assert face_unhide(face_ids=[faces[0].pk, faces[1].pk], actor=moderator) == 1
    assert status_of(faces[0]) == FaceStatus.VISIBLE


def test_featuring_pins_visible_faces_only(faces, moderator):
    Face.objects.filter(pk=faces[1].pk).update(status=FaceStatus.HIDDEN)
    assert face_feature(face_ids=[faces[0].pk, faces[1].pk], actor=moderator) == 1
    assert list(Face.objects.filter(featured=True).values_list("pk", flat=True)) == [faces[0].pk]
    assert face_unfeature(face_ids=[faces[0].pk, faces[1].pk], actor=moderator) == 1
    assert not Face.objects.filter(featured=True).exists()
    [featured] = events(Action.FACE_FEATURE)
    assert (featured.before, featured.after) == ({"featured": False}, {"featured": True})
    assert len(events(Action.FACE_UNFEATURE)) == 1


def test_deleting_a_face_removes_its_votes_and_reports_and_keeps_its_history(faces, moderator):
    face = faces[0]
    vote_cast(face_id=face.pk, voter="anon:v", label="interesting")
    report_create(face_id=face.pk, voter="anon:v", reason="spam")
    face_hide(face_ids=[face.pk], actor=moderator)
    assert face_delete(face_ids=[face.pk], actor=moderator) == 1
    assert not Face.objects.filter(pk=face.pk).exists()
    assert not Vote.objects.filter(face_id=face.pk).exists()
    assert not Report.objects.filter(face_id=face.pk).exists()
    history = ModerationEvent.objects.filter(face_id=face.pk).order_by("id")
    assert [e.action for e in history] == [Action.FACE_HIDE, Action.FACE_DELETE]
    deleted = history.last()
    assert deleted is not None
    assert (deleted.before["seed"], deleted.before["interesting"]) == (face.seed, 1)


def test_reports_are_dismissed_by_face_or_by_report(faces, moderator):
    a = report_create(face_id=faces[0].pk, voter="anon:1", reason="ugly")
    b = report_create(face_id=faces[0].pk, voter="anon:2", reason="offensive")
    c = report_create(face_id=faces[1].pk, voter="anon:1", reason="meh")
    assert report_dismiss(face_ids=[faces[0].pk], actor=moderator) == 2
    assert report_dismiss(report_ids=[c.pk, a.pk], actor=moderator) == 1  # a: already dismissed
    resolutions = set(Report.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("resolution"))
    assert resolutions == {(Report.Resolution.DISMISSED,)}
    first = events(Action.REPORT_DISMISS)[0]
    assert first.face_id == faces[0].pk
    assert sorted(first.before["reasons"]) == ["offensive", "ugly"]


def test_voiding_a_voter_updates_counters_and_spares_other_voters(faces, moderator):
    for face in faces[:3]:
        vote_cast(face_id=face.pk, voter="anon:spam", label="interesting")
    vote_cast(face_id=faces[0].pk, voter="anon:honest", label="boring")
    assert voter_votes_void(voter="anon:spam", actor=moderator) == 3
    assert Vote.objects.filter(voter="anon:spam", voided=True).count() == 3
    assert not Vote.objects.filter(voter="anon:honest", voided=True).exists()
    counts = {
        f.pk: (f.interesting_count, f.boring_count)
        for f in Face.objects.filter(pk__in=[f.pk for f in faces[:3]])
    }
    assert counts == {faces[0].pk: (0, 1), faces[1].pk: (0, 0), faces[2].pk: (0, 0)}
    [event] = events(Action.VOTER_VOTES_VOID)
    assert (event.target, event.after["voided_votes"], event.after["faces"]) == ("anon:spam", 3, 3)


def test_voiding_twice_voids_nothing_more_and_a_blank_voter_is_refused(faces, moderator):
    vote_cast(face_id=faces[0].pk, voter="anon:spam", label="boring")
    voter_votes_void(voter="anon:spam", actor=moderator)
    assert voter_votes_void(voter="anon:spam", actor=moderator) == 0
    with pytest.raises(ModerationError):
        voter_votes_void(voter="", actor=moderator)


def test_a_blocked_voter_or_ip_hash_can_no_longer_vote(faces, moderator):
    voter_block(voter="anon:troll", actor=moderator, reason="spam")
    voter_block(voter="anon:troll", actor=moderator)  # idempotent: one block, one event
    ip_hash_block(ip_hash="f" * 64, actor=moderator)
    with pytest.raises(VoterBlocked):
        vote_cast(face_id=faces[0].pk, voter="anon:troll", label="boring")
    with pytest.raises(VoterBlocked):
        vote_cast(face_id=faces[0].pk, voter="anon:other", label="boring", ip_hash="f" * 64)
    assert Block.objects.count() == 2
    assert len(events(Action.VOTER_BLOCK)) == len(events(Action.IP_HASH_BLOCK)) == 1


def test_removing_a_block_lets_the_voter_vote_again(faces, moderator):
    block = voter_block(voter="anon:forgiven", actor=moderator)
    assert block_remove(block_ids=[block.pk], actor=moderator) == 1
    vote_cast(face_id=faces[0].pk, voter="anon:forgiven", label="interesting")
    assert events(Action.BLOCK_REMOVE)[0].target == "anon:forgiven"


@pytest.mark.parametrize("value", ["", "   ", "x" * 65])
def test_blocking_a_blank_or_overlong_value_is_refused(moderator, value):
    with pytest.raises(ModerationError):
        voter_block(voter=value, actor=moderator)
    assert not Block.objects.exists()
