"""Malformed CSRF cookies and headers, messages cookies and unparsable Cookie headers: never a
500, never a write without the token, never a vote as someone else (see cookies.py)."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client, override_settings
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.security.cookies import (
    CHANGES,
    JSON,
    OTHER_SECRET_KEY,
    READS,
    any_text,
    assert_done_by_a_fresh_voter,
    assert_refused_and_wrote_nothing,
    cookie_pair,
    generated,
    long_text,
    malformed_csrf,
    raw_cookie_headers,
    rolled_back,
    send,
    single_request,
    snapshot,
    state_change,
    voters_known,
    well_formed_csrf,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("generous_rate_limits", "voters_established_at_once"),
    pytest.mark.bad_input("malformed cookies and sessions"),
]


# --- Garbage CSRF cookies and headers ---------------------------------------------------------


@single_request
@given(
    cookie=malformed_csrf | st.none(),
    header=malformed_csrf | st.none(),
    same=st.booleans(),
    quoted=st.booleans(),
    name=st.sampled_from(sorted(CHANGES)),
)
def test_a_malformed_csrf_token_refuses_the_victims_state_change_and_writes_nothing(
    victim, tried, cookie, header, same, quoted, name
):
    if same:  # matching, but malformed
        header = cookie
    assume(cookie is not None or header is not None)
    cookie = victim.csrf_token if cookie is None else cookie
    cookies = f"sessionid={victim.session_key}; {cookie_pair('csrftoken', cookie, quoted=quoted)}"
    header = header if header is not None else victim.csrf_token
    with rolled_back():
        before = snapshot()
        response = state_change(Client(enforce_csrf_checks=True), CHANGES[name], victim.face,
                                cookies=cookies, csrf=header, tried=tried)  # fmt: skip
        assert_refused_and_wrote_nothing(response, before)
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("cookie", "header"),
    [
        ("x" * 32, "y" * 32),  # well-formed, but not the same secret
        ("x" * 64, "x" * 32 + "y" * 32),  # well-formed masks of different secrets
        ("x" * 31, "x" * 31),
        ("x" * 33, "x" * 33),
        ("x" * 63, "x" * 63),
        ("-" * 32, "-" * 32),
        ("é" * 32, "é" * 32),
        ("", ""),
        (None, "CSRF_FROM_VICTIM"),  # no cookie at all
        ("CSRF_FROM_VICTIM", None),  # no header
        ("CSRF_FROM_VICTIM", "CSRF_FROM_VICTIM_WITH_A_DASH"),
    ],
)
def test_each_malformed_csrf_pair_refuses_every_state_change(victim, cookie, header):
    def resolve(value: str | None) -> str | None:
        if value == "CSRF_FROM_VICTIM_WITH_A_DASH":
            return victim.csrf_token[:-1] + "-"
        return victim.csrf_token if value == "CSRF_FROM_VICTIM" else value

    cookie, header = resolve(cookie), resolve(header)
    cookies = f"sessionid={victim.session_key}"
    if cookie is not None:
        cookies += f"; {cookie_pair('csrftoken', cookie, quoted=True)}"
    for change in CHANGES.values():
        before = snapshot()
        response = state_change(Client(enforce_csrf_checks=True), change, victim.face,
                                cookies=cookies, csrf=header)  # fmt: skip
        assert response.status_code == 403
        assert_refused_and_wrote_nothing(response, before)


@generated
@given(cookie=malformed_csrf)
def test_a_visitor_with_a_broken_csrf_cookie_recovers_through_get_api_csrf(victim, tried, cookie):
    with rolled_back():
        client = Client(enforce_csrf_checks=True)
        cookies = cookie_pair("csrftoken", cookie, quoted=True)
        response = send(client, "GET", "/api/csrf", cookies=cookies, tried=tried)
        assert response.status_code == 200
        assert well_formed_csrf(response.cookies["csrftoken"].value)
        token = response.json()["csrf_token"]
        tried["sent"] += 1
        voted = client.put(f"/api/faces/{victim.face.pk}/vote", '{"label": "boring"}',
                           content_type=JSON, headers={"X-CSRFToken": token})  # fmt: skip
        assert voted.status_code == 200 and voted.json()["boring_count"] == 1


# --- Garbage voter tickets ---------------------------------------------------------------------


@single_request
@given(value=any_text | long_text, quoted=st.booleans(), name=st.sampled_from(sorted(CHANGES)))
def test_a_garbage_voter_ticket_is_no_voter_and_writes_nothing(victim, tried, value, quoted, name):
    cookies = f"{cookie_pair('voter_ticket', value, quoted=quoted)}; csrftoken={victim.csrf_token}"
    with rolled_back():
        before = snapshot()
        response = state_change(Client(enforce_csrf_checks=True), CHANGES[name], victim.face,
                                cookies=cookies, csrf=victim.csrf_token, tried=tried)  # fmt: skip
        assert_refused_and_wrote_nothing(response, before)
        assert response.status_code == 403


# --- Garbage in the messages cookie -----------------------------------------------------------


@generated
@given(value=any_text | long_text, quoted=st.booleans())
def test_a_garbage_messages_cookie_is_ignored_by_the_pages(victim, tried, value, quoted):
    cookies = f"sessionid={victim.session_key}; {cookie_pair('messages', value, quoted=quoted)}"
    client = Client()
    with rolled_back():
        for url in ("/", f"/faces/{victim.face.pk}", "/vote/"):
            response = send(client, "GET", url, cookies=cookies, tried=tried)
            assert response.status_code == 200
            assert list(response.context["messages"]) == []


def test_a_forged_messages_cookie_shows_no_message(victim):
    with override_settings(SECRET_KEY=OTHER_SECRET_KEY):
        # The private encoder, the one way to sign a messages cookie (it reads no request).
        storage = CookieStorage(None)  # type: ignore[arg-type]
        forged = storage._encode([Message(constants.ERROR, "forged")])  # type: ignore[attr-defined]
    cookies = f"sessionid={victim.session_key}; messages={forged}"
    response = send(Client(), "GET", f"/faces/{victim.face.pk}", cookies=cookies)
    assert response.status_code == 200 and list(response.context["messages"]) == []


# --- Raw, unparsable Cookie headers -----------------------------------------------------------


@generated
@given(header=raw_cookie_headers, with_csrf=st.booleans(), name=st.sampled_from(sorted(CHANGES)))
def test_an_unparsable_cookie_header_never_fails_and_never_votes_as_someone_else(
    victim, tried, header, with_csrf, name
):
    change = CHANGES[name]
    cookies = f"{header}; csrftoken={victim.csrf_token}" if with_csrf else header
    with rolled_back():
        client = Client(enforce_csrf_checks=True)
        for url in READS:
            response = send(client, "GET", url.format(face=victim.face.pk), cookies=cookies,
                            tried=tried)  # fmt: skip
            assert response.status_code == 200, url
        before, known = snapshot(), voters_known()
        response = state_change(client, change, victim.face, cookies=cookies,
                                csrf=victim.csrf_token, tried=tried)  # fmt: skip
        if with_csrf:
            assert_done_by_a_fresh_voter(response, change, victim.face, before, known)
        else:
            assert response.status_code == 403
            assert_refused_and_wrote_nothing(response, before)


@pytest.mark.parametrize(
    "header",
    [
        'sessionid="unterminated',
        "sessionid=" + "x" * 8192,
        'sessionid="\\000\\000\\000\\000\\000\\000\\000\\000"',
        "sessionid=é" * 40,
        "=" * 500,
        ";" * 500,
        "sessionid=a; sessionid=b; sessionid=c",
        "$Version=1; sessionid=abc; $Path=/",
        "\x00\x01\x02\x7f",
        "sessionid=\\",
    ],
)
def test_each_unparsable_cookie_header_gets_every_page(victim, header):
    client = Client()
    for url in READS:
        response = send(client, "GET", url.format(face=victim.face.pk), cookies=header)
        assert response.status_code == 200, url
    before = snapshot()
    response = state_change(Client(enforce_csrf_checks=True), CHANGES["form vote"], victim.face,
                            cookies=header, csrf=victim.csrf_token)  # fmt: skip
    assert response.status_code == 403
    assert_refused_and_wrote_nothing(response, before)
