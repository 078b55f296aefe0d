"""A voter has to be someone: a page view (or GET /api/csrf) hands out the voter; a request
without one is refused and writes nothing (voting/identity.py)."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory, override_settings

from facegallery.voting.identity import (
    TICKET_COOKIE,
    ip_prefix,
    ip_prefix_hash_for,
    salted_hash,
    voter_ticket_cookie,
)
from facegallery.voting.models import Report, Vote, Voter
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


def api_put(client: Client, face_id: int, token: str, label: str = "interesting"):
    return client.put(
        f"/api/faces/{face_id}/vote", f'{{"label": "{label}"}}', content_type=JSON,
        headers={"X-CSRFToken": token},
    )  # fmt: skip


def made_up_csrf(client: Client) -> str:
    """What the attacker did: no page view, a CSRF cookie and header of its own making."""
    token = "A" * 32
    client.cookies["csrftoken"] = token
    return token


def nothing_written() -> bool:
    return not (
        Vote.objects.exists()
        or Report.objects.exists()
        or Voter.objects.exists()
        or Session.objects.exists()
    )


def test_a_cookieless_api_vote_is_refused_with_a_clear_message_and_writes_nothing():
    face = FaceFactory.create()
    for _ in range(3):
        client = Client(enforce_csrf_checks=True)
        response = api_put(client, face.pk, made_up_csrf(client))
        assert response.status_code == 403
        assert "open the page" in response.json()["detail"]
        assert "sessionid" not in response.cookies
    undo = client.delete(f"/api/faces/{face.pk}/vote", headers={"X-CSRFToken": "A" * 32})
    report = client.post(
        f"/api/faces/{face.pk}/reports", "{}", content_type=JSON,
        headers={"X-CSRFToken": "A" * 32},
    )  # fmt: skip
    assert undo.status_code == report.status_code == 403
    face.refresh_from_db()
    assert face.interesting_count == 0 and nothing_written()


def test_cookieless_form_votes_and_reports_get_a_friendly_page_and_write_nothing():
    face = FaceFactory.create()
    client = Client()
    page = client.post(f"/faces/{face.pk}/vote", {"label": "boring"})
    assert page.status_code == 403 and b"open the page" in page.content
    assert b"<html" in page.content  # the friendly page, not a bare message
    htmx = client.post(
        f"/faces/{face.pk}/vote", {"label": "boring"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 403 and htmx["Content-Type"].startswith("text/plain")
    vote_mode = client.post("/vote/act", {"action": "interesting", "face": face.pk})
    report = client.post(f"/faces/{face.pk}/report", {"reason": "offensive"})
    assert vote_mode.status_code == report.status_code == 403
    assert nothing_written()


@pytest.mark.parametrize("url", ["/", "/faces/{face}", "/vote/", "/api/csrf", "/api/vote/next"])
def test_a_page_view_hands_out_the_voter_that_votes(url):
    face = FaceFactory.create()
    client = Client(enforce_csrf_checks=True)
    response = client.get(url.format(face=face.pk))
    assert response.status_code == 200 and TICKET_COOKIE in response.cookies
    assert not Session.objects.exists()  # a page view writes nothing: crawlers cost nothing
    token = client.get("/api/csrf").json()["csrf_token"]
    assert TICKET_COOKIE not in client.get("/api/csrf").cookies  # one ticket per visitor
    assert api_put(client, face.pk, token).status_code == 200
    changed = api_put(client, face.pk, token, "boring").json()
    assert changed["pending"] and changed["boring_count"] == 0  # a new voter's: pending
    (vote,) = Vote.objects.all()
    assert vote.label == "boring" and not vote.counted
    assert Voter.objects.get().key == vote.voter  # one voter, kept in the session


def test_a_ticket_sent_again_without_the_session_is_still_the_same_voter():
    face, other = FaceFactory.create_batch(2)
    ticket = voter_ticket_cookie()
    for face_id in (face.pk, other.pk, face.pk):
        client = Client()  # no session: only the ticket, again and again
        client.cookies[TICKET_COOKIE] = ticket
        assert client.post(f"/faces/{face_id}/vote", {"label": "boring"}).status_code == 303
    assert Vote.objects.count() == 2
    assert Voter.objects.count() == 1 and Voter.objects.get().votes_cast == 3


@pytest.mark.parametrize(
    "ticket",
    [
        "not signed",
        voter_ticket_cookie()[:-1] + "x",  # a flipped signature
        voter_ticket_cookie(issued=time.time() - 8 * 24 * 3600),  # expired
        voter_ticket_cookie(issued=time.time() + 3600),  # issued in the future
    ],
)
def test_a_forged_or_stale_ticket_is_no_voter(ticket):
    face = FaceFactory.create()
    client = Client()
    client.cookies[TICKET_COOKIE] = ticket
    assert client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code == 403
    assert nothing_written()


def test_signed_in_users_vote_as_their_account(admin_client):
    face = FaceFactory.create()
    assert admin_client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code == 303
    assert Vote.objects.get().voter.startswith("user:") and not Voter.objects.exists()


@pytest.mark.parametrize(
    ("address", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("fe80::1%eth0", "fe80::/64"),
        ("", ""),
        ("garbage", "garbage"),
    ],
)
def test_the_ip_prefix_is_the_ipv4_slash_24_or_the_ipv6_slash_64(address, prefix):
    assert ip_prefix(address) == prefix


def test_the_prefix_hash_is_the_salted_hash_of_the_prefix_and_follows_a_new_salt():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.77")
    before = ip_prefix_hash_for(request)
    assert before == salted_hash("203.0.113.0/24")
    with override_settings(VOTER_HASH_SALT="another salt"):
        after = ip_prefix_hash_for(request)
        assert after == salted_hash("203.0.113.0/24") != before
    neighbour = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    assert ip_prefix_hash_for(neighbour) == before  # one /24, one prefix
