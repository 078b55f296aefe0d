"""CPU per request of the gallery page and the vote endpoint, in one process.

    python -m bench.request_cpu [--requests 200] [--json PATH]

Drives the production settings (DEBUG=0) through Django's test client against
DATABASE_URL (seed it first: python -m bench.seed_database; the vote rows it casts stay).
CPU ms (time.process_time) is this process's own work, so it hardly moves with the load
other programs put on the machine, unlike wall ms and req/s: use it to compare changes.
The database server's own CPU is not in it; the queries column says what it is asked.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from bench.common import django_setup, median, table, write_results


def measure(call: Callable[[], object], requests: int) -> tuple[float, float]:
    """Median over 3 rounds of (CPU ms, wall ms) per call."""
    call()  # warm: templates, memo, connections
    rounds = []
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            call()
        rounds.append(
            (
                (time.process_time() - cpu) * 1000 / requests,
                (time.perf_counter() - wall) * 1000 / requests,
            )
        )
    return median([r[0] for r in rounds]), median([r[1] for r in rounds])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per round (3 rounds)")
    parser.add_argument("--json", default=None, help="results path (default var/bench/)")
    args = parser.parse_args()
    os.environ.update(DEBUG="0", ALLOWED_HOSTS="testserver")
    os.environ.update(
        FACEGALLERY_VOTE_RATE_VOTER="1000000000", FACEGALLERY_VOTE_RATE_IP="1000000000"
    )
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from facegallery.gallery.models import Face, FaceStatus

    visible = Face.objects.filter(status=FaceStatus.VISIBLE)
    faces = list(visible.order_by("-pk").values_list("pk", flat=True)[:20_000])
    voters = []
    for _ in range(16):
        client = Client()
        token = client.get("/api/csrf").json()["csrf_token"]
        voters.append((client, token))
    sent = iter(range(10**9))

    def vote() -> None:
        k = next(sent)
        client, token = voters[k % len(voters)]
        face = faces[(k * 7919) % len(faces)]
        client.put(
            f"/api/faces/{face}/vote",
            b'{"label": "interesting"}',
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )

    for _ in voters:
        vote()  # every voter has a session from here on
    anonymous = Client()
    voter, token = voters[0]
    first_page = visible.filter(featured=False).order_by("-pk").values_list("pk", flat=True)[:3]
    for face in first_page:
        voter.put(
            f"/api/faces/{face}/vote",
            b'{"label": "boring"}',
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )

    def uncached() -> None:
        settings.GALLERY_CACHE_SECONDS = 0
        try:
            anonymous.get("/")
        finally:
            settings.GALLERY_CACHE_SECONDS = shared

    shared = settings.GALLERY_CACHE_SECONDS
    cases = {
        "gallery / (shared render)": lambda: anonymous.get("/"),
        "gallery /?sort=interesting (shared render)": lambda: anonymous.get("/?sort=interesting"),
        "gallery / (a voter with 3 votes on it)": lambda: voter.get("/"),
        "gallery / (rendered every request)": uncached,
        "vote PUT /api/faces/{id}/vote": vote,
    }
    rows, results = [], {}
    for name, call in cases.items():
        cpu_ms, wall_ms = measure(call, args.requests)
        with CaptureQueriesContext(connection) as queries:
            call()
        results[name] = {"cpu_ms": cpu_ms, "wall_ms": wall_ms, "queries": len(queries)}
        rows.append([name, cpu_ms, wall_ms, len(queries)])
    print(table(["request", "CPU ms", "wall ms", "queries"], rows))
    config = {"requests": args.requests, "faces": Face.objects.count(), "shared_seconds": shared}
    path = write_results("request_cpu", {"config": config, "results": results}, args.json)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
