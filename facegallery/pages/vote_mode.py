"""Vote mode's per-visit state, kept in the (database) session.

- count: votes cast in vote mode this visit (undo takes one back)
- history: the faces voted on in vote mode, newest last, for undo
- skipped: faces skipped this visit, never shown again this visit
"""

from __future__ import annotations

from facegallery.gallery.ids import face_ids_valid
from facegallery.gallery.pictures import face_animation
from facegallery.gallery.selectors import face_get_visible
from facegallery.scoring.queue import face_get_next_for_voting
from facegallery.voting.identity import VoterIdentity
from facegallery.voting.models import Label, Vote
from facegallery.voting.services import VotingError, vote_cast, vote_undo

COUNT_KEY = "vote_mode_count"
HISTORY_KEY = "vote_mode_history"
SKIPPED_KEY = "vote_mode_skipped"
HISTORY_LIMIT = 100  # undo reaches this far back
SKIPPED_LIMIT = 500  # keeps the session row and the exclusion list small


def _count(session) -> int:
    value = session.get(COUNT_KEY, 0)
    return value if type(value) is int and value >= 0 else 0


def _face_ids(session, key: str) -> list[int]:
    """The face ids under `key`. Sessions outlive deploys: any other shape found there (a 500
    before) reads as an empty list, or loses the entries that are not face ids."""
    return face_ids_valid(session.get(key))


def _push(session, key: str, value: int, limit: int) -> None:
    session[key] = [*_face_ids(session, key), value][-limit:]


def act(
    request, *, action: str, face_id: int | None, identity: VoterIdentity
) -> tuple[int | None, str]:
    """Apply a vote-mode action; returns (face to show next or None, notice for the visitor).

    Raises VotingError when the vote is refused (unknown or hidden face, blocked voter).
    """
    session = request.session
    if action == "undo":
        history = _face_ids(session, HISTORY_KEY)
        if not history:
            return face_id, "Nothing to undo."
        last = history.pop()
        session[HISTORY_KEY] = history
        result = vote_undo(face_id=last, voter=identity.voter)
        if result.changed:
            session[COUNT_KEY] = max(0, _count(session) - 1)
        return last, f"Vote on face #{last} undone."
    if face_id is None:
        raise VotingError("which face? the form names none")
    if action == "skip":
        _push(session, SKIPPED_KEY, face_id, SKIPPED_LIMIT)
        return None, ""
    result = vote_cast(
        face_id=face_id,
        voter=identity.voter,
        label=action,
        ip_hash=identity.ip_hash,
        ip_prefix_hash=identity.ip_prefix_hash,
        voter_since=identity.since,
    )
    if result.changed:
        session[COUNT_KEY] = _count(session) + 1
        _push(session, HISTORY_KEY, face_id, HISTORY_LIMIT)
    pending = (
        "" if not result.pending else " Saved: your votes count once you have voted a few minutes."
    )
    return None, f"Face #{face_id}: {Label(action).label}.{pending}"


def card_context(request, *, voter: str, prefer_id: int | None) -> dict:
    """What the vote card shows: `prefer_id` if the voter may still vote on it, else the next."""
    face = None
    if prefer_id is not None:
        face = face_get_visible(face_id=prefer_id)
        if face is not None and Vote.objects.filter(face=face, voter=voter).exists():
            face = None
    if face is None:
        skipped = _face_ids(request.session, SKIPPED_KEY)
        face = face_get_next_for_voting(voter=voter, exclude_ids=skipped)
    return {
        "face": face,
        "drawing": face_animation(face) if face is not None else None,
        "vote_count": _count(request.session),
        "can_undo": bool(_face_ids(request.session, HISTORY_KEY)),
    }
