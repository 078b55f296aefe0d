"""Malformed cookies and sessions: never a 500, never a write as someone else.

Every request goes through Django's test client (CSRF enforced) with a Cookie header built
the way a WSGI server hands it over (UTF-8 bytes read as latin-1). The site reads four
cookies: sessionid (the voter lives in the database session), voter_ticket (the signed
voter a page view hands out, kept in the session at the first vote), csrftoken (double
submit with X-CSRFToken) and messages (the flash messages' signed cookie); and five session
keys: voter_id, voter_since and the vote mode's count, history and skipped list. State
changes are sent as by a visitor who has opened a page: with a fresh voter ticket, unless
the cookies name one (a request without any voter is refused: tests/voting/test_identity.py).

A "victim" visitor votes first through the real API; malformed cookies must never read as
that visitor's session, vote with its voter id, or undo its vote. Each generated example
runs in a savepoint that is rolled back, so examples do not see each other's writes.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from facegallery.core.sessions import SessionStore
from facegallery.gallery.models import Face
from facegallery.voting.identity import TICKET_COOKIE, voter_ticket_cookie
from facegallery.voting.models import Report, Vote

FRESH_VOTER = re.compile(r"anon:[0-9a-f]{32}")
SESSION_KEY = re.compile(r"[a-z0-9]{32}")
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
CSRF_CHARS = KEY_CHARS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
OTHER_SECRET_KEY = "another-deployment-0123456789-abcdefghijklmnopqrstuvwxyz"

generated = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
single_request = settings(generated, max_examples=100)  # one request per example: cheap


# --- What is sent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A state change a visitor can make on the victim's face, and what it may write."""

    method: str
    path: str  # {face} is the face id
    body: str
    content_type: str
    writes: str  # "vote:<label>", "report" or "nothing" (for a visitor with no vote yet)

    def url(self, face: Face) -> str:
        return self.path.format(face=face.pk)

    def data(self, face: Face) -> str:
        return self.body.format(face=face.pk)


JSON, FORM = "application/json", "application/x-www-form-urlencoded"
CHANGES = {
    "api vote": Change("PUT", "/api/faces/{face}/vote", '{{"label": "boring"}}', JSON,
                       "vote:boring"),
    "api undo": Change("DELETE", "/api/faces/{face}/vote", "", JSON, "nothing"),
    "api report": Change("POST", "/api/faces/{face}/reports", '{{"reason": "rude"}}', JSON,
                         "report"),
    "form vote": Change("POST", "/faces/{face}/vote", "label=boring", FORM, "vote:boring"),
    "form undo": Change("POST", "/faces/{face}/vote", "label=none", FORM, "nothing"),
    "form report": Change("POST", "/faces/{face}/report", "reason=offensive", FORM, "report"),
    "vote mode vote": Change("POST", "/vote/act", "action=boring&face={face}", FORM,
                             "vote:boring"),
    "vote mode skip": Change("POST", "/vote/act", "action=skip&face={face}", FORM, "nothing"),
    "vote mode undo": Change("POST", "/vote/act", "action=undo", FORM, "nothing"),
}  # fmt: skip
READS = [
    "/",
    "/?sort=interesting",
    "/faces/{face}",
    "/vote/",
    "/api/faces",
    "/api/faces/{face}",
    "/api/vote/next",
]


def wsgi(header: str) -> str:
    """A header as a WSGI server puts it in environ: the raw bytes decoded as latin-1."""
    return header.encode("utf-8", "surrogatepass").decode("latin-1")


def cookie_pair(name: str, value: str, *, quoted: bool) -> str:
    """name=value as a browser would send it: quoted (octal escapes) or as it comes."""
    if not quoted:
        return f"{name}={value}"
    jar = SimpleCookie()
    jar[name] = value
    return f"{name}={jar[name].coded_value}"


# --- Generated input --------------------------------------------------------------------------

any_text = st.text(st.characters(codec="utf-8"), max_size=64)
long_text = st.text(st.characters(codec="latin-1"), min_size=41, max_size=4096)
unknown_keys = st.text(KEY_CHARS, min_size=32, max_size=32)
keys_with_nul = st.text(KEY_CHARS + "\x00", min_size=8, max_size=40).filter(
    lambda key: "\x00" in key
)
PLANTED = [
    "victim key + x",
    "victim key minus its last character",
    "victim key in capitals",
    "victim key + NUL",
    "row of garbage data",
    "row signed with another SECRET_KEY",
    "victim data with a flipped signature",
    "expired victim session",
]
session_cookies = st.one_of(
    any_text,
    long_text,
    unknown_keys,
    keys_with_nul,
    st.sampled_from(PLANTED).map(lambda name: ("planted", name)),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=5,
)  # fmt: skip
malformed_voter_ids = st.one_of(
    json_values,
    st.text(min_size=32, max_size=32),  # the right length, not a uuid's hex
    st.text("0123456789ABCDEF", min_size=32, max_size=32),  # hex, but capitals
    st.sampled_from(["\x00" * 32, "0" * 31, "0" * 33, "g" * 32, " " * 32]),
    st.dictionaries(st.sampled_from(["voter_id", "hex"]), json_values, max_size=2),
).filter(lambda value: not (isinstance(value, str) and re.fullmatch("[0-9a-f]{32}", value)))


def well_formed_csrf(value: str) -> bool:
    return len(value) in (32, 64) and all(char in CSRF_CHARS for char in value)


malformed_csrf = st.one_of(
    any_text,
    st.text(CSRF_CHARS, max_size=70).filter(lambda token: len(token) not in (32, 64)),
    st.sampled_from([32, 64]).flatmap(
        lambda size: st.text(CSRF_CHARS + "-_+/=é ", min_size=size, max_size=size)
    ),
    st.text(st.characters(codec="utf-8"), min_size=32, max_size=32),
).filter(lambda token: not well_formed_csrf(token))

cookie_junk = st.sampled_from(
    ['"', '="', ";", ";;;", "=", "==", ",", "\\", "$Version=1", "sessionid", "sessionid=",
     'sessionid="', "csrftoken", "messages=", '"\\000"', "\\377", " ", "\t", "=;=;", "a=b=c"]
)  # fmt: skip
raw_cookie_headers = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=300),
    st.lists(st.one_of(cookie_junk, any_text), max_size=20).map("".join),
    st.text(st.characters(codec="latin-1"), min_size=1000, max_size=4096),
)


# --- The world --------------------------------------------------------------------------------


@dataclass
class Victim:
    face: Face
    session_key: str
    voter: str
    csrf_token: str

    @property
    def voter_id(self) -> str:
        return self.voter.removeprefix("anon:")


def stored_session(data: dict, *, expires_in: timedelta = timedelta(days=1)) -> str:
    """A session row the server could have written, holding `data`; its key."""
    store = SessionStore()
    store.update(data)
    store.create()
    key = store.session_key
    assert key is not None  # create() made one
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + expires_in)
    return key


def garbage_row(session_data: str) -> str:
    key = "planted" + "0" * 25
    Session.objects.create(
        session_key=key, session_data=session_data, expire_date=timezone.now() + timedelta(1)
    )
    return key


def planted_key(name: str, victim: Victim) -> str:
    """The session key a PLANTED case sends (rows it needs are written here)."""
    key = victim.session_key
    if name == "victim key + x":
        return key + "x"
    if name == "victim key minus its last character":
        return key[:-1]
    if name == "victim key in capitals":
        return key.upper()
    if name == "victim key + NUL":
        return key + "\x00"
    if name == "row of garbage data":
        return garbage_row('not base64: ☃ \\ " ; =' * 20)
    if name == "row signed with another SECRET_KEY":
        with override_settings(SECRET_KEY=OTHER_SECRET_KEY):
            return garbage_row(SessionStore().encode({"voter_id": victim.voter_id}))
    if name == "victim data with a flipped signature":
        data = Session.objects.get(session_key=key).session_data
        return garbage_row(data[:-1] + ("A" if data[-1] != "A" else "B"))
    if name == "expired victim session":
        return stored_session({"voter_id": victim.voter_id}, expires_in=-timedelta(seconds=1))
    raise AssertionError(name)


# --- Checking what happened -------------------------------------------------------------------


@contextmanager
def rolled_back():
    """One generated example: whatever it writes is undone before the next."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def snapshot() -> tuple[frozenset, frozenset, frozenset]:
    return (
        frozenset(Vote.objects.values_list("face_id", "voter", "label", "voided")),
        frozenset(Report.objects.values_list("face_id", "voter")),
        frozenset(Face.objects.values_list("pk", "interesting_count", "boring_count")),
    )


def voters_known() -> set[str]:
    return set(Vote.objects.values_list("voter", flat=True)) | set(
        Report.objects.values_list("voter", flat=True)
    )


def send(client: Client, method: str, url: str, *, cookies: str, csrf: str | None = None,
         body: str = "", content_type: str = FORM, tried=None):  # fmt: skip
    extra: dict[str, Any] = {"HTTP_COOKIE": wsgi(cookies)}
    if csrf is not None:
        extra["HTTP_X_CSRFTOKEN"] = wsgi(csrf)
    if tried is not None:
        tried["sent"] += 1
    response = client.generic(method, url, body, content_type, **extra)
    assert response.status_code < 500, f"{method} {url} with Cookie: {cookies!r}"
    return response


def assert_refused_and_wrote_nothing(response, before) -> None:
    assert 400 <= response.status_code < 500
    assert snapshot() == before, f"refused with {response.status_code}, yet the data changed"


def assert_done_by_a_fresh_voter(
    response, change: Change, face: Face, before, known, *, sent_key: str | None = None
) -> None:
    """Accepted; wrote what `change` writes, as a voter nobody had, whose session is the one
    the response hands out (or `sent_key`, a stored session that already holds that voter)."""
    assert response.status_code in (200, 201, 303), response.content[:300]
    votes, reports, counts = snapshot()
    if change.writes.startswith("vote:"):
        label = change.writes.removeprefix("vote:")
        (added,) = votes - before[0]
        assert added[0] == face.pk and added[2:] == (label, False)
        assert votes - {added} == before[0], "someone else's vote changed"
        voter = added[1]
        (was,) = [row for row in before[2] if row[0] == face.pk]
        now = (face.pk, was[1] + (label == "interesting"), was[2] + (label == "boring"))
        assert counts == before[2] - {was} | {now}
    elif change.writes == "report":
        assert votes == before[0] and counts == before[2]
        ((_face_id, voter),) = reports - before[1]
    else:
        assert (votes, reports, counts) == before, "a fresh visitor had nothing to undo"
        voter = None
    if "sessionid" in response.cookies:
        sent_key = response.cookies["sessionid"].value
        assert SESSION_KEY.fullmatch(sent_key)
    stored = f"anon:{SessionStore(sent_key).load()['voter_id']}"
    assert FRESH_VOTER.fullmatch(stored) and stored not in known
    if voter is not None:
        assert voter == stored, "the session handed out is not the voter who wrote"


def state_change(
    client: Client, change: Change, face: Face, *, cookies: str, csrf: str | None, tried=None
):
    if f"{TICKET_COOKIE}=" not in cookies:  # a visitor who has opened a page
        cookies = f"{cookies}; {TICKET_COOKIE}={voter_ticket_cookie()}"
    return send(client, change.method, change.url(face), cookies=cookies, csrf=csrf,
                body=change.data(face), content_type=change.content_type, tried=tried)  # fmt: skip
