"""The simulated clients of bench.attack: an HTTP client with its own cookies and address,
honest visitors who vote by a taste at a human pace, and a tally of what each group saw.

No Django here: clients talk to the site over HTTP only, as outsiders do.

A client's address: behind the proxy (nginx on loopback) each client connects from a
loopback source address of its own (127.0.0.0/8 is all local on Linux), which nginx passes
on as the last X-Forwarded-For hop, so the site sees distinct clients and prefixes. Without
nginx, or for an attacker who reaches gunicorn itself, the client writes X-Forwarded-For
alone (TRUSTED_PROXY_COUNT=1 believes its last entry).
"""

from __future__ import annotations

import http.client
import json
import random
import ssl
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import numpy as np

from generator.tastes import taste_likes

HOST = "localhost"
ORIGIN = f"https://{HOST}"
_TLS = ssl._create_unverified_context()  # the proxy's throwaway self-signed certificate


@dataclass(frozen=True)
class Endpoint:
    """Where clients connect: nginx's TLS port, or gunicorn's own (plain HTTP) port."""

    port: int
    via_proxy: bool


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (connection error or timeout)
    data: dict
    seconds: float
    retry_after: float = 0.0


@dataclass
class Tally:
    """What a group of clients saw: statuses and latencies (thread-safe)."""

    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, answer: Answer) -> None:
        kind = path.split("?")[0]
        kind = "/api/faces/{id}/" + kind.rsplit("/", 1)[-1] if kind.count("/") >= 4 else kind
        with self.lock:
            self.statuses[f"{method} {kind} {answer.status}"] += 1
            self.latencies_ms.append(answer.seconds * 1000)

    def summary(self) -> dict:
        with self.lock:
            codes: Counter[str] = Counter()
            for key, n in self.statuses.items():
                codes[key.rsplit(" ", 1)[-1][0] + "xx"] += n
            latencies = np.array(self.latencies_ms or [0.0])
            return {
                "requests": sum(self.statuses.values()),
                "2xx": codes["2xx"] + codes["3xx"],
                "4xx": codes["4xx"],
                "5xx": codes["5xx"],
                "no_answer": codes["0xx"],
                "p50_ms": float(np.percentile(latencies, 50)),
                "p99_ms": float(np.percentile(latencies, 99)),
                "statuses": dict(self.statuses),
            }


class WebClient:
    """One browser-like client: a keep-alive connection, its cookies, its address."""

    def __init__(
        self, endpoint: Endpoint, *, address: str, tally: Tally, timeout: float = 15.0
    ) -> None:
        self.endpoint, self.address, self.tally, self.timeout = endpoint, address, tally, timeout
        self.cookies: dict[str, str] = {}
        self.forwarded_for: str | None = None  # a header of the client's own making
        self.token = ""
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self.endpoint.via_proxy:
                self._conn = http.client.HTTPSConnection(
                    "127.0.0.1", self.endpoint.port, timeout=self.timeout, context=_TLS,
                    source_address=(self.address, 0),
                )  # fmt: skip
            else:
                self._conn = http.client.HTTPConnection(
                    "127.0.0.1", self.endpoint.port, timeout=self.timeout
                )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def forget(self) -> None:
        """Drop every cookie (a new visitor, as far as the site can tell)."""
        self.cookies.clear()
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None) -> Answer:
        headers = {"Host": HOST, "Accept": "application/json, text/html"}
        if not self.endpoint.via_proxy:  # gunicorn reached directly: we write the proxy's part
            headers["X-Forwarded-Proto"] = "https"
            headers["X-Forwarded-For"] = self.forwarded_for or self.address
        elif self.forwarded_for:  # a header the client makes up; nginx appends the truth
            headers["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload = None
        if method not in ("GET", "HEAD"):
            headers.update({"Origin": ORIGIN, "X-CSRFToken": self.token})
            payload = json.dumps(body or {}).encode()
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        for attempt in (1, 2):
            reused = self._conn is not None
            try:
                conn = self._connection()
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                break
            except (OSError, http.client.HTTPException) as error:
                self.close()
                # A kept-alive connection the server closed as we sent: send again on a new
                # one, as browsers do. Anything else is no answer.
                stale = isinstance(error, (http.client.RemoteDisconnected, ConnectionError))
                if attempt == 1 and reused and stale:
                    continue
                answer = Answer(0, {}, time.monotonic() - started)
                self.tally.add(method, path, answer)
                return answer
        seconds = time.monotonic() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        data = json.loads(raw) if is_json and raw else {}
        retry = float(response.getheader("Retry-After") or 0)
        answer = Answer(response.status, data, seconds, retry)
        self.tally.add(method, path, answer)
        return answer

    def start_visit(self, *, page: bool = True) -> bool:
        """A page view (the voter ticket) and the CSRF token, as a browser's first visit."""
        if page:
            self.call("GET", "/")
        answer = self.call("GET", "/api/csrf")
        self.token = answer.data.get("csrf_token", "")
        return bool(self.token)


def normalised(strokes: Sequence[Sequence[float]], scale_factor: float) -> np.ndarray:
    """API strokes (stroke-3 in Quick, Draw! pixels) -> normalised stroke-3 for the tastes."""
    drawing = np.asarray(strokes, dtype=np.float32).reshape(-1, 3)
    drawing[:, :2] /= scale_factor
    return drawing


def likes(taste: str, face: dict, scale_factor: float) -> bool:
    return bool(taste_likes(taste, [normalised(face["strokes"], scale_factor)])[0])


@dataclass(frozen=True)
class Taste:
    name: str  # a generator.tastes rule
    scale_factor: float
    noise: float = 0.1  # share of votes flipped: people are not consistent


def honest_visitor(
    client: WebClient,
    *,
    taste: Taste,
    stop: threading.Event,
    seed: int,
    think_s: tuple[float, float] = (1.5, 4.0),
) -> None:
    """A person in vote mode: looks at each face for a few seconds, votes by their taste,
    now and then browses the gallery. Runs until `stop`."""
    rng = random.Random(seed)
    stop.wait(rng.uniform(0, think_s[1]))  # visitors do not all arrive at once
    while not stop.is_set() and not client.start_visit():
        stop.wait(5)
    while not stop.is_set():
        if rng.random() < 0.1:
            client.call("GET", "/?sort=" + rng.choice(["newest", "interesting", "random"]))
        face = client.call("GET", "/api/vote/next").data.get("face")
        if not face:
            stop.wait(2)
            continue
        if stop.wait(rng.uniform(*think_s)):
            break
        liked = likes(taste.name, face, taste.scale_factor) != (rng.random() < taste.noise)
        answer = client.call(
            "PUT", f"/api/faces/{face['id']}/vote", {"label": "interesting" if liked else "boring"}
        )
        if answer.status == 403 and "CSRF" in str(answer.data.get("detail", "")):
            client.start_visit(page=False)  # a rotated token: fetch it again
        elif answer.status == 429:
            stop.wait(min(answer.retry_after, 30))
    client.close()
