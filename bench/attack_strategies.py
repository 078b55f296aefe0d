"""The attackers of bench.attack: each one client (one machine) trying one trick, as fast as
the site lets it, until `stop`. Each records the addresses it voted from (the site stores
their salted hashes, so the driver can find its votes) and what it got back.

- cookie dropping: a fresh visit (ticket, token) for every vote on its target face;
- forged CSRF: a token of its own making in the cookie and the header, no visit at all;
- address rotation: a new X-Forwarded-For (a new /24) and a new visit for every vote, either
  to gunicorn itself (reachable, TRUSTED_PROXY_COUNT=1: the header is believed) or through
  the proxy (nginx appends the real address);
- steering: many identities from its address label every face it is shown by a rule over the
  strokes ("interesting iff 7 or more strokes"), to teach the filter that rule;
- report flooding: reports on every face it can find, from identity after identity;
- slow headers: hundreds of connections sending their headers a byte a second (through the
  proxy), while /healthz is timed.
"""

from __future__ import annotations

import random
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.attack_clients import Endpoint, Tally, Taste, WebClient, likes
from bench.slowloris import SlowClients, probe


@dataclass
class Outcome:
    """What one attacker did; the driver adds what the database says it achieved."""

    name: str
    address: str
    target: int | None = None  # the face it pushes up Most interesting
    addresses: set[str] = field(default_factory=set)  # every address it voted or reported from
    tally: Tally = field(default_factory=Tally)
    identities: int = 0
    notes: dict = field(default_factory=dict)


def _pause_after(client: WebClient, status: int, retry_after: float, stop: threading.Event):
    """A script that reads 429's Retry-After, briefly (it has many identities to try)."""
    if status == 429:
        stop.wait(min(retry_after, 5.0))


def cookie_dropper(endpoint: Endpoint, outcome: Outcome, stop: threading.Event) -> None:
    client = WebClient(endpoint, address=outcome.address, tally=outcome.tally)
    outcome.addresses.add(outcome.address)
    while not stop.is_set():
        client.forget()
        if not client.start_visit(page=False):
            stop.wait(0.5)
            continue
        outcome.identities += 1
        answer = client.call("PUT", f"/api/faces/{outcome.target}/vote", {"label": "interesting"})
        _pause_after(client, answer.status, answer.retry_after, stop)
    client.close()


def forged_csrf(endpoint: Endpoint, outcome: Outcome, stop: threading.Event) -> None:
    client = WebClient(endpoint, address=outcome.address, tally=outcome.tally)
    outcome.addresses.add(outcome.address)
    alphabet = string.ascii_letters + string.digits
    while not stop.is_set():
        token = "".join(secrets.choice(alphabet) for _ in range(32))
        client.cookies = {"csrftoken": token, "voter_ticket": secrets.token_hex(24)}
        client.token = token
        answer = client.call("PUT", f"/api/faces/{outcome.target}/vote", {"label": "interesting"})
        _pause_after(client, answer.status, answer.retry_after, stop)
    client.close()


def address_rotator(endpoint: Endpoint, outcome: Outcome, stop: threading.Event) -> None:
    """A new made-up address in a new /24 for every vote, and a new visit with it."""
    rng = random.Random(outcome.name)
    client = WebClient(endpoint, address=outcome.address, tally=outcome.tally)
    if endpoint.via_proxy:
        outcome.addresses.add(outcome.address)  # what nginx tells the site, whatever we write
    while not stop.is_set():
        made_up = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        client.forwarded_for = made_up
        if not endpoint.via_proxy:
            outcome.addresses.add(made_up)
        client.forget()
        if not client.start_visit(page=False):
            stop.wait(0.5)
            continue
        outcome.identities += 1
        answer = client.call("PUT", f"/api/faces/{outcome.target}/vote", {"label": "interesting"})
        _pause_after(client, answer.status, answer.retry_after, stop)
    client.close()


def steerer(
    endpoint: Endpoint,
    outcome: Outcome,
    stop: threading.Event,
    *,
    rule: Taste,
    avoid: set[int],
    max_identities: int = 200,
) -> None:
    """One vote per face it is shown, by `rule`, spread over as many identities as it gets."""
    outcome.addresses.add(outcome.address)
    voted: set[int] = set(avoid)
    identities: list[WebClient] = []
    turn = 0
    votes = outcome.notes.setdefault("votes_sent", 0)
    while not stop.is_set():
        if len(identities) < max_identities and not outcome.notes.get("no_more_identities"):
            fresh = WebClient(endpoint, address=outcome.address, tally=outcome.tally)
            if fresh.start_visit(page=False):
                identities.append(fresh)
                outcome.identities = len(identities)
        if not identities:
            stop.wait(1)
            continue
        client = identities[turn % len(identities)]
        turn += 1
        face = client.call("GET", "/api/vote/next").data.get("face")
        if not face or face["id"] in voted:
            continue
        voted.add(face["id"])
        label = "interesting" if likes(rule.name, face, rule.scale_factor) else "boring"
        answer = client.call("PUT", f"/api/faces/{face['id']}/vote", {"label": label})
        votes += 1
        outcome.notes["votes_sent"] = votes
        if answer.status == 429 and "new voters" in str(answer.data.get("detail", "")):
            identities.remove(client)  # it never got to be a voter; no more from here
            client.close()
            outcome.notes["no_more_identities"] = True
        else:
            _pause_after(client, answer.status, answer.retry_after, stop)
    for client in identities:
        client.close()


def report_flooder(endpoint: Endpoint, outcome: Outcome, stop: threading.Event) -> None:
    """Reports on every face of the newest pages, a new identity whenever one is refused."""
    outcome.addresses.add(outcome.address)
    client = WebClient(endpoint, address=outcome.address, tally=outcome.tally)
    reported: set[int] = set()
    accepted = 0
    while not stop.is_set():
        page = client.call("GET", "/api/faces?sort=newest&limit=100").data.get("items", [])
        faces = [item["id"] for item in page if item["id"] not in reported]
        if not faces:
            stop.wait(1)
            continue
        for face_id in faces:
            if stop.is_set():
                break
            if not client.token:
                client.forget()
                client.start_visit(page=False)
                outcome.identities += 1
            answer = client.call("POST", f"/api/faces/{face_id}/reports", {"reason": "spam"})
            reported.add(face_id)
            accepted += answer.status == 201
            if answer.status in (403, 429):
                client.token = ""  # try the next face as a new visitor
                _pause_after(client, answer.status, answer.retry_after, stop)
    outcome.notes["reports_answered_201"] = accepted
    client.close()


def slow_headers(
    proxy_http_port: int, health_url: str, outcome: Outcome, stop: threading.Event, *, count: int
) -> None:
    """`count` slowloris connections to the proxy, reopened as nginx cuts them, while
    /healthz is timed every half second through the proxy."""
    probes: list[float] = []
    failed = rounds = 0

    def time_healthz() -> None:
        nonlocal failed
        while not stop.wait(0.5):
            answer = probe(health_url, timeout=5)
            probes.append(answer.seconds * 1000)
            failed += answer.status != 200

    prober = threading.Thread(target=time_healthz, daemon=True)
    prober.start()
    while not stop.is_set():
        with SlowClients("127.0.0.1", proxy_http_port, count) as slow:
            rounds += 1
            while slow.held and not stop.wait(0.5):
                pass
    prober.join(timeout=10)
    probes.sort()
    outcome.identities = 0
    outcome.notes.update(
        connections=count,
        rounds=rounds,
        healthz_probes=len(probes),
        healthz_failed=failed,
        healthz_p50_ms=probes[len(probes) // 2] if probes else None,
        healthz_max_ms=probes[-1] if probes else None,
    )


Strategy = Callable[[Endpoint, Outcome, threading.Event], None]
ONE_FACE: dict[str, Strategy] = {
    "cookie-dropping": cookie_dropper,
    "forged-csrf": forged_csrf,
    "rotating-xff-direct": address_rotator,
    "rotating-xff-proxied": address_rotator,
}
