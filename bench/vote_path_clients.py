"""The client of bench.vote_path: voters with their cookies and CSRF token, and raw HTTP/1.1
requests on keep-alive connections, each from a client address of its own.

No Django here: the client talks to gunicorn over HTTP only, as a browser would.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Voter:
    cookies: dict[str, str]
    token: str
    key: str  # "anon:<uuid>"
    votes: dict[int, str] = field(default_factory=dict)  # acknowledged: face -> label
    unsure: set[int] = field(default_factory=set)  # asked, no answer


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    acknowledged: int = 0


async def request(reader, writer, method: str, path: str, voter: Voter | None, body: bytes):
    """One HTTP/1.1 request on a keep-alive connection: (status, headers, body)."""
    headers = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    if voter is not None:
        cookies = "; ".join(f"{k}={v}" for k, v in voter.cookies.items())
        headers += [f"Cookie: {cookies}", f"X-CSRFToken: {voter.token}"]
        headers.append("Content-Type: application/json")
    writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = [line.split(":", 1) for line in lines[1:] if ":" in line]
    length = next((int(v) for k, v in fields if k.lower() == "content-length"), 0)
    content = await reader.readexactly(length)
    return status, fields, content


def remember_cookies(voter: Voter, fields) -> None:
    for name, value in fields:
        if name.lower() == "set-cookie":
            key, _, rest = value.strip().partition("=")
            voter.cookies[key] = rest.split(";", 1)[0]


async def make_voters(port: int, address: str, count: int) -> list[Voter]:
    """Voters from one address: each opened GET /api/csrf, as a page view would."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
    voters = []
    for _ in range(count):
        voter = Voter({}, "", "")
        status, fields, content = await request(reader, writer, "GET", "/api/csrf", None, b"")
        assert status == 200, (status, content)
        remember_cookies(voter, fields)
        voter.token = re.search(rb'"csrf_token": ?"([^"]+)"', content)[1].decode()  # type: ignore[index]
        voter.key = "anon:" + voter.cookies["voter_ticket"][:32]
        voters.append(voter)
    writer.close()
    return voters


async def drive(port, address, voters, faces, path, deadline, run: Run, rng: random.Random):
    """One connection, voting for its voters in turn until the deadline."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
    k = 0
    while time.monotonic() < deadline:
        voter = voters[k % len(voters)]
        k += 1
        earlier = list(voter.votes)
        roll = rng.random()
        if earlier and roll < 0.1:  # change an earlier label
            face = rng.choice(earlier)
            label = "boring" if voter.votes[face] == "interesting" else "interesting"
        elif earlier and roll < 0.15:  # repeat one: changes nothing
            face = rng.choice(earlier)
            label = voter.votes[face]
        else:
            face = rng.choice(faces)
            label = "interesting" if rng.random() < 0.6 else "boring"
        body = b'{"label": "%s"}' % label.encode()
        voter.unsure.add(face)
        started = time.perf_counter()
        try:
            status, fields, _ = await request(reader, writer, "PUT", path.format(face), voter, body)
        except (OSError, asyncio.IncompleteReadError):
            run.statuses["no answer"] += 1
            writer.close()
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(address, 0)
            )
            continue
        run.latencies.append(time.perf_counter() - started)
        run.statuses[str(status)] += 1
        remember_cookies(voter, fields)
        if status == 200:
            voter.unsure.discard(face)
            voter.votes[face] = label
            run.acknowledged += 1
        elif status < 500:
            voter.unsure.discard(face)  # refused: nothing written
    writer.close()
