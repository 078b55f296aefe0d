"""Simulated visitors for `python -m bench.load_visitors` (locust, headless, one process).

A visitor browses the gallery and face pages and votes, as people do on a phone: vote
mode mostly, now and then a change of mind or an undo. Every visitor keeps a ledger of
what the server acknowledged (face -> label after each 200), and of the faces whose last
request got no answer (the visitor cannot know what happened there). When the run ends
the ledgers go to $LOAD_LEDGER as JSON; the driver compares them with the vote rows.

No Django here: locust runs under gevent, in its own process.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import Counter

from locust import HttpUser, between, events, task

THINK_MIN, THINK_MAX = (float(s) for s in os.environ.get("LOAD_THINK_S", "0.5,1.5").split(","))
SORTS = ["newest", "interesting", "boring", "controversial", "random"]
FACE_LINK = re.compile(r'href="/faces/(\d+)"')

visitors: list[Visitor] = []
statuses: Counter = Counter()  # "GET /api/vote/next 200" -> count
failures: list[tuple] = []  # (unix time, status, endpoint, why) of each 5xx / no answer


class Visitor(HttpUser):
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self) -> None:
        self.votes: dict[int, str] = {}  # acknowledged state: face -> label
        self.unsure: set[int] = set()  # last request on this face got no answer
        self.faces_seen: list[int] = []
        self.token = self._call("GET", "/api/csrf", "/api/csrf").get("csrf_token", "")
        visitors.append(self)

    def _call(self, method: str, path: str, name: str, body: dict | None = None) -> dict:
        """Send one request; count its status; JSON body of a 2xx (else {})."""
        headers = {"X-CSRFToken": self.token} if method != "GET" else {}
        with self.client.request(
            method, path, name=name, json=body, headers=headers, catch_response=True
        ) as response:
            statuses[f"{method} {name} {response.status_code}"] += 1
            if response.status_code >= 500 or response.status_code == 0:
                why = str(response.error or response.reason)[:160]  # no answer: the exception
                failures.append((time.time(), response.status_code, f"{method} {name}", why))
                response.failure(f"{response.status_code}: {why}")
                return {}
            if response.status_code >= 400:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return {}
            response.success()
            is_json = response.headers.get("Content-Type", "").startswith("application/json")
            return response.json() if is_json else {"html": response.text}

    def _vote(self, face_id: int, label: str | None) -> None:
        """PUT (label) or DELETE (None), and write the answer into the ledger."""
        self.unsure.add(face_id)  # until the answer is in
        path = f"/api/faces/{face_id}/vote"
        if label is None:
            answer = self._call("DELETE", path, "/api/faces/[id]/vote")
        else:
            answer = self._call("PUT", path, "/api/faces/[id]/vote", {"label": label})
        if answer.get("face_id") == face_id:
            self.unsure.discard(face_id)
            if answer["label"] is None:
                self.votes.pop(face_id, None)
            else:
                self.votes[face_id] = answer["label"]

    @task(3)
    def browse_the_gallery(self) -> None:
        sort = random.choice(SORTS)
        page = self._call("GET", f"/?sort={sort}", "/?sort=[sort]")
        self.faces_seen = [int(pk) for pk in FACE_LINK.findall(page.get("html", ""))][:48]

    @task(2)
    def open_a_face(self) -> None:
        if self.faces_seen:
            self._call("GET", f"/faces/{random.choice(self.faces_seen)}", "/faces/[id]")

    @task(8)
    def vote_on_the_next_face(self) -> None:
        face = self._call("GET", "/api/vote/next", "/api/vote/next").get("face")
        if face:
            self._vote(face["id"], "interesting" if random.random() < 0.4 else "boring")

    @task(1)
    def change_a_vote(self) -> None:
        if self.votes:
            face_id = random.choice(list(self.votes))
            flipped = "boring" if self.votes[face_id] == "interesting" else "interesting"
            self._vote(face_id, flipped)

    @task(1)
    def undo_a_vote(self) -> None:
        if self.votes:
            self._vote(random.choice(list(self.votes)), None)


@events.quitting.add_listener
def write_ledger(environment, **kwargs) -> None:
    path = os.environ.get("LOAD_LEDGER")
    if not path:
        return
    ledger = {
        "visitors": [
            {
                "sessionid": v.client.cookies.get("sessionid"),
                "votes": {str(face): label for face, label in v.votes.items()},
                "unsure": sorted(v.unsure),
            }
            for v in visitors
        ],
        "statuses": dict(statuses),
        "failures": failures,
    }
    with open(path, "w") as out:
        json.dump(ledger, out)
