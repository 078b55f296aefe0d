"""A scorer trained on votes that moderators void later: counted against it, and at 5% of
its votes it is rolled back at once (the previous clean version, or none) and a retrain
without them is queued (scoring/services/versions.py, through moderation/voiding.py)."""

from __future__ import annotations

import pytest

from facegallery.moderation.models import Action, ModerationEvent
from facegallery.moderation.services import voter_votes_void
from facegallery.moderation.voiding import VoteSelection, votes_void
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.services.versions import TAINTED_SHARE
from facegallery.voting.models import Vote
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db


def version(number: int, *, seen: int, max_vote_id: int | None, active=False, promoted=True):
    return ScorerVersion.objects.create(
        version=number, artifact=b"", config={}, training_faces=seen, holdout_faces=0,
        votes_seen=seen, max_vote_id=max_vote_id, is_active=active, promoted=promoted,
    )  # fmt: skip


@pytest.fixture
def history(db):
    """v1 trained on 100 honest votes; v2 (active) also on 10 spam votes and 90 more honest."""
    honest = VoteFactory.create_batch(100)
    v1 = version(1, seen=100, max_vote_id=honest[-1].pk)
    spam = VoteFactory.create_batch(10, voter="anon:spam", ip_hash="s" * 64)
    more = VoteFactory.create_batch(90)
    v2 = version(2, seen=200, max_vote_id=more[-1].pk, active=True)
    v3 = version(3, seen=200, max_vote_id=more[-1].pk, promoted=False)  # lost to v2
    return v1, v2, v3, spam


def state() -> list[tuple[int, bool, int]]:
    return list(ScorerVersion.objects.order_by("version").values_list("version", "is_active",
                                                                       "voided_votes"))  # fmt: skip


def test_voiding_a_meaningful_share_of_its_votes_rolls_the_active_scorer_back(
    history, moderator, django_capture_on_commit_callbacks
):
    assert TAINTED_SHARE <= 10 / 200  # the spam is 5% of what v2 saw
    with django_capture_on_commit_callbacks() as queued:
        voided = voter_votes_void(voter="anon:spam", actor=moderator)
    assert voided == 10
    assert state() == [(1, True, 0), (2, False, 10), (3, False, 10)]
    v2 = ScorerVersion.objects.get(version=2)
    assert "rolled back" in v2.note and not v2.pinned
    assert len(queued) == 1  # the retrain without the voided votes
    event = ModerationEvent.objects.get(action=Action.SCORER_ROLLBACK)
    assert event.actor == moderator and (event.before["active"], event.after["active"]) == (2, 1)


def test_a_small_share_is_counted_but_leaves_the_scorer_active(history, moderator):
    spam = history[3]
    Vote.objects.filter(pk__in=[v.pk for v in spam[2:]]).delete()  # 2 spam votes left: 1%
    voter_votes_void(voter="anon:spam", actor=moderator)
    assert state() == [(1, False, 0), (2, True, 2), (3, False, 2)]
    assert not ModerationEvent.objects.filter(action=Action.SCORER_ROLLBACK).exists()


def test_without_a_clean_earlier_version_there_is_no_scorer(moderator):
    spam = VoteFactory.create_batch(5, voter="anon:spam")
    VoteFactory.create_batch(5)
    version(1, seen=10, max_vote_id=Vote.objects.order_by("-pk")[0].pk, active=True)
    voter_votes_void(voter="anon:spam", actor=moderator)
    assert not ScorerVersion.objects.filter(is_active=True).exists()
    assert len(spam) == 5


def test_a_pinned_tainted_scorer_is_rolled_back_too(history, moderator):
    ScorerVersion.objects.filter(version=2).update(pinned=True)
    votes_void(selection=VoteSelection(ip_hash="s" * 64), actor=moderator)
    assert ScorerVersion.objects.get(is_active=True).version == 1


def test_votes_cast_after_training_do_not_count_against_it(history, moderator):
    VoteFactory.create_batch(50, voter="anon:late")
    voter_votes_void(voter="anon:late", actor=moderator)
    assert state() == [(1, False, 0), (2, True, 0), (3, False, 0)]
