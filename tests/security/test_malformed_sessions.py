"""Malformed session cookies, and sessions the server stored with malformed values: never a
500, never a read or write as someone else (see tests/security/cookies.py for how)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from facegallery.voting.models import Vote
from tests.security.cookies import (
    CHANGES,
    PLANTED,
    READS,
    assert_done_by_a_fresh_voter,
    assert_refused_and_wrote_nothing,
    cookie_pair,
    generated,
    json_values,
    malformed_voter_ids,
    planted_key,
    rolled_back,
    send,
    session_cookies,
    single_request,
    snapshot,
    state_change,
    stored_session,
    voters_known,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("generous_rate_limits", "voters_established_at_once"),
    pytest.mark.bad_input("malformed cookies and sessions"),
]


# --- Garbage session cookies ------------------------------------------------------------------


@generated
@given(value=session_cookies, quoted=st.booleans())
def test_pages_and_api_reads_treat_a_garbage_session_cookie_as_a_new_visitor(
    victim, tried, value, quoted
):
    with rolled_back():
        key = planted_key(value[1], victim) if isinstance(value, tuple) else value
        cookies = cookie_pair("sessionid", key, quoted=quoted)
        client = Client()
        for url in READS:
            response = send(client, "GET", url.format(face=victim.face.pk), cookies=cookies,
                            tried=tried)  # fmt: skip
            assert response.status_code == 200, url
        detail = send(client, "GET", f"/api/faces/{victim.face.pk}", cookies=cookies, tried=tried)
        assert detail.json()["your_vote"] is None, "read the victim's vote"
        page = send(client, "GET", f"/faces/{victim.face.pk}", cookies=cookies, tried=tried)
        assert page.context["my_vote"] is None


@single_request
@given(value=session_cookies, quoted=st.booleans(), name=st.sampled_from(sorted(CHANGES)))
def test_a_garbage_session_cookie_changes_state_only_as_a_fresh_voter(
    victim, tried, value, quoted, name
):
    change = CHANGES[name]
    with rolled_back():
        key = planted_key(value[1], victim) if isinstance(value, tuple) else value
        cookies = f"{cookie_pair('sessionid', key, quoted=quoted)}; csrftoken={victim.csrf_token}"
        before, known = snapshot(), voters_known()
        issued = set(Session.objects.values_list("session_key", flat=True))
        response = state_change(Client(enforce_csrf_checks=True), change, victim.face,
                                cookies=cookies, csrf=victim.csrf_token, tried=tried)  # fmt: skip
        assert_done_by_a_fresh_voter(response, change, victim.face, before, known)
        if key not in issued:
            assert response.cookies["sessionid"].value != key, "adopted a key the client chose"


@pytest.mark.parametrize("name", PLANTED)
def test_each_planted_session_is_a_fresh_voter_for_every_state_change(victim, name):
    for change in CHANGES.values():
        with rolled_back():
            key = planted_key(name, victim)
            cookies = f"sessionid={key}; csrftoken={victim.csrf_token}"
            before, known = snapshot(), voters_known()
            response = state_change(Client(enforce_csrf_checks=True), change, victim.face,
                                    cookies=cookies, csrf=victim.csrf_token)  # fmt: skip
            assert_done_by_a_fresh_voter(response, change, victim.face, before, known)


def test_the_victims_own_session_still_votes_as_the_victim(victim):
    """The control: the checks above would notice the victim's voter, were it used."""
    cookies = f"sessionid={victim.session_key}; csrftoken={victim.csrf_token}"
    change = CHANGES["api undo"]
    response = state_change(Client(enforce_csrf_checks=True), change, victim.face,
                            cookies=cookies, csrf=victim.csrf_token)  # fmt: skip
    assert response.json()["changed"] is True
    assert not Vote.objects.filter(voter=victim.voter).exists()


# --- Sessions the server stored with malformed values ----------------------------------------


@generated
@given(voter_id=malformed_voter_ids, name=st.sampled_from(sorted(CHANGES)))
def test_a_stored_session_with_a_malformed_voter_id_gets_a_fresh_voter(
    victim, tried, voter_id, name
):
    change = CHANGES[name]
    with rolled_back():
        client = Client(enforce_csrf_checks=True)
        cookies = f"sessionid={stored_session({'voter_id': voter_id})}"
        for url in READS:  # (the vote mode page and /api/vote/next mend the session)
            response = send(client, "GET", url.format(face=victim.face.pk), cookies=cookies,
                            tried=tried)  # fmt: skip
            assert response.status_code == 200, url
        key = stored_session({"voter_id": voter_id})
        cookies = f"sessionid={key}; csrftoken={victim.csrf_token}"
        before, known = snapshot(), voters_known()
        response = state_change(client, change, victim.face, cookies=cookies,
                                csrf=victim.csrf_token, tried=tried)  # fmt: skip
        assert_done_by_a_fresh_voter(response, change, victim.face, before, known, sent_key=key)


face_id_lists = st.lists(st.integers() | json_values, max_size=4)
vote_mode_state = st.fixed_dictionaries(
    {},
    optional={
        "vote_mode_count": json_values,
        "vote_mode_history": json_values | face_id_lists,
        "vote_mode_skipped": json_values | face_id_lists,
    },
)


@generated
@given(
    state=vote_mode_state,
    victims_face_last=st.booleans(),
    name=st.sampled_from(["vote mode vote", "vote mode skip", "vote mode undo"]),
)
def test_vote_mode_survives_malformed_state_in_a_stored_session(
    victim, tried, state, victims_face_last, name
):
    change = CHANGES[name]
    if victims_face_last:  # an undo must not reach the victim's vote on it
        history = state.get("vote_mode_history")
        earlier = history[-3:] if isinstance(history, list) else []
        state = {**state, "vote_mode_history": [*earlier, victim.face.pk]}
    with rolled_back():
        key = stored_session(state)
        cookies = f"sessionid={key}; csrftoken={victim.csrf_token}"
        client = Client(enforce_csrf_checks=True)
        assert send(client, "GET", "/vote/", cookies=cookies, tried=tried).status_code == 200
        before, known = snapshot(), voters_known()
        response = state_change(client, change, victim.face, cookies=cookies,
                                csrf=victim.csrf_token, tried=tried)  # fmt: skip
        if name == "vote mode undo" and response.status_code == 404:  # a face long gone
            assert_refused_and_wrote_nothing(response, before)
        else:
            assert_done_by_a_fresh_voter(response, change, victim.face, before, known, sent_key=key)
        assert send(client, "GET", "/vote/", cookies=cookies, tried=tried).status_code == 200
