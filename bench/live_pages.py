"""What open live pages cost the server: N simulated /live pages polling while faces land.

    python -m bench.live_pages [--pages 500] [--duration 30] [--interval 2] [--faces-per-s 1]
                               [--workers 4] [--threads 4] [--json PATH]

Starts gunicorn with production settings as bench.load_gallery does (gthread, DEBUG=0, HTTPS=0
on loopback) against DATABASE_URL (faces are drawn first when it has none). Each simulated
page is one keep-alive connection, as a browser tab's: it loads /live, then every --interval
seconds (LIVE_POLL_SECONDS) asks /live/faces?after=<the newest face it has>, as htmx does, and
takes the newest id of each answer. Pages start spread over one interval. Meanwhile a thread
inserts --faces-per-s faces (copies of a drawn face), so some answers carry faces.

Measured over --duration seconds after the ramp: polls per second, poll latency (p50, p99),
answers by status, how long a new face took to reach a page (insert to the answer that carried
it, p50 and p99), the CPU the gunicorn processes used (% of one core, from /proc), this
client's own CPU, and the database's transactions per second (pg_stat_database, flushed by
PostgreSQL about once a second, so approximate). The client is asyncio on raw sockets, no
HTTP library: 500 connections at 250 polls/s cost it a small share of a core.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import django_setup, table, write_results
from bench.load_gallery import free_port, start_gunicorn

REPO_ROOT = Path(__file__).resolve().parent.parent
FACE_ID = re.compile(rb'data-face="(\d+)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Tally:
    """What the pages saw inside the measured window."""

    window: tuple[float, float] = (0.0, 0.0)  # monotonic start, end
    poll_ms: list[float] = field(default_factory=list)
    load_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    face_delay_s: list[float] = field(default_factory=list)

    def inside(self, when: float) -> bool:
        return self.window[0] <= when < self.window[1]


async def http_get(reader, writer, path: str) -> tuple[int, bytes]:
    """One GET on an open keep-alive connection: (status, body)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
        return status, body
    return status, await reader.readexactly(int(headers.get("content-length", 0)))


async def page(port: int, start_in: float, args, tally: Tally, inserted: dict, stop: float):
    """One open live page: load it, then poll every interval until `stop`."""
    await asyncio.sleep(start_in)
    after, seen = 0, set()
    reader = writer = None
    path, first = "/live", True
    next_at = time.monotonic()
    while time.monotonic() < stop:
        began = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            status, body = await http_get(reader, writer, path)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            if tally.inside(began):
                tally.errors[type(error).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.5)
            continue
        done = time.monotonic()
        if tally.inside(began):
            (tally.load_ms if first else tally.poll_ms).append((done - began) * 1000)
            tally.statuses[f"{'GET /live' if first else 'poll'} {status}"] += 1
        if status == 200:
            now = time.time()
            for face_id in map(int, FACE_ID.findall(body)):
                after = max(after, face_id)
                if face_id in inserted and face_id not in seen and tally.inside(began):
                    tally.face_delay_s.append(now - inserted[face_id])
                seen.add(face_id)
        first = False
        path = f"/live/faces?after={after}"
        next_at += args.interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    if writer is not None:
        writer.close()


def insert_faces(rate: float, stop: threading.Event, inserted: dict) -> None:
    """Land `rate` faces a second (copies of a drawn face under new seeds) until `stop`."""
    from django.db import connection

    from facegallery.gallery.models import Face, FaceStatus

    template = Face.objects.filter(status=FaceStatus.VISIBLE).order_by("-id").first()
    assert template is not None
    seed = random.randrange(10**12) * 1024 + 10**15  # far from the seeds of real batches
    while not stop.wait(1 / rate):
        seed += 1
        face = Face.objects.create(
            generator_id=template.generator_id,
            seed=seed,
            temperature=template.temperature,
            strokes=template.strokes,
            num_points=template.num_points,
            num_strokes=template.num_strokes,
        )
        inserted[face.pk] = time.time()
    connection.close()


def cpu_seconds(master: int) -> float:
    """User + system CPU of gunicorn's master and its workers so far."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def database_transactions() -> int:
    """Transactions committed or rolled back in the database so far (a thread's call: Django
    refuses queries from the event loop)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1..99), NaN without values."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def costs_so_far(server: int) -> dict[str, float]:
    return {
        "server_cpu_s": cpu_seconds(server),
        "client_cpu_s": time.process_time(),
        "database_transactions": database_transactions(),
    }


async def drive(port: int, args, tally: Tally, inserted: dict, server: int) -> dict:
    ramp = args.interval + 2.0  # every page has loaded and polled once by then
    start = time.monotonic()
    tally.window = (start + ramp, start + ramp + args.duration)
    stop = tally.window[1] + 0.5
    starts = [random.uniform(0, args.interval) for _ in range(args.pages)]
    tasks = [asyncio.create_task(page(port, s, args, tally, inserted, stop)) for s in starts]
    await asyncio.sleep(max(0.0, tally.window[0] - time.monotonic()))
    before = await asyncio.to_thread(costs_so_far, server)
    await asyncio.sleep(max(0.0, tally.window[1] - time.monotonic()))
    after = await asyncio.to_thread(costs_so_far, server)
    await asyncio.gather(*tasks)
    return {name: after[name] - before[name] for name in after}


def ensure_faces() -> None:
    from facegallery.gallery.models import Face, FaceStatus

    if Face.objects.filter(status=FaceStatus.VISIBLE).count() < 12:
        command = [sys.executable, "manage.py", "generate_faces", "--count", "64"]
        subprocess.run(command, cwd=REPO_ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500, help="open live pages")
    parser.add_argument("--duration", type=int, default=30, help="seconds measured")
    parser.add_argument("--interval", type=float, default=None, help="default LIVE_POLL_SECONDS")
    parser.add_argument("--faces-per-s", type=float, default=1.0, help="faces landing")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread)")
    parser.add_argument("--json", default=None, help="results path (default var/bench/)")
    args = parser.parse_args()
    django_setup()
    from facegallery.pages.live import LIVE_POLL_SECONDS

    args.interval = args.interval or LIVE_POLL_SECONDS
    ensure_faces()
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads)
    tally, stop = Tally(), threading.Event()
    inserted: dict[int, float] = {}  # face id -> when it was inserted (epoch seconds)
    inserter = threading.Thread(target=insert_faces, args=(args.faces_per_s, stop, inserted))
    try:
        inserter.start()
        costs = asyncio.run(drive(port, args, tally, inserted, server.pid))
    finally:
        stop.set()
        inserter.join()
        server.terminate()
        server.wait(timeout=30)

    seconds = args.duration
    polls = len(tally.poll_ms)
    results = {
        "polls_per_s": polls / seconds,
        "poll_p50_ms": percentile(tally.poll_ms, 50),
        "poll_p99_ms": percentile(tally.poll_ms, 99),
        "page_loads": len(tally.load_ms),
        "face_delay_p50_s": percentile(tally.face_delay_s, 50),
        "face_delay_p99_s": percentile(tally.face_delay_s, 99),
        "faces_seen_by_pages": len(tally.face_delay_s),
        "server_cpu_percent_of_one_core": 100 * costs["server_cpu_s"] / seconds,
        "server_cpu_percent_of_machine": 100 * costs["server_cpu_s"] / seconds / os.cpu_count(),
        # Per poll: hardly moves with what else runs on the machine, unlike latency.
        "server_cpu_ms_per_request": 1000 * costs["server_cpu_s"] / max(polls, 1),
        "client_cpu_percent_of_one_core": 100 * costs["client_cpu_s"] / seconds,
        "database_transactions_per_s": costs["database_transactions"] / seconds,
        "statuses": dict(tally.statuses),
        "errors": dict(tally.errors),
    }
    rows = [[name, value] for name, value in results.items() if name not in ("statuses", "errors")]
    rows += [[f"answers: {key}", n] for key, n in sorted(tally.statuses.items())]
    rows += [[f"errors: {key}", n] for key, n in sorted(tally.errors.items())]
    print(table(["measure", "value"], rows))
    config = {k: getattr(args, k) for k in ("pages", "duration", "interval", "faces_per_s")}
    config |= {"workers": args.workers, "threads": args.threads, "load_1min": os.getloadavg()[0]}
    path = write_results("live_pages", {"config": config, "results": results}, args.json)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
