"""Votes/s of the old vote path and the lean one, side by side, with exact row accounting.

    python -m bench.vote_path [--duration 20] [--connections 32] [--voters 2000]
                              [--faces 20000] [--repeats 3] [--json PATH]

Makes a scratch database on DATABASE_URL's server (dropped at the end; a Redis database of
its own, --redis-db), fills it with copies of a few real faces, starts gunicorn with the
production settings (HTTPS=0 on loopback; 4 workers x 4 threads as gunicorn.conf.py) and
drives it with a small asyncio client (raw HTTP/1.1 on keep-alive connections, so the
client leaves the cores to the server). Each connection is a client address of its own
(127.x.y.1, a /24 each) holding a group of voters; each voter got its ticket and CSRF
token from GET /api/csrf, as a browser would, and keeps the cookies the server sets (the
old path puts the voter in a session). A share of the voters (--established) has a track
record (a Voter row, established a day ago), so their votes count; the rest are fresh
(pending votes, new voters capped per prefix). Votes go to new faces mostly, with a
tenth changing an earlier label and a twentieth repeating one (idempotent).

Old path: PUT /api/faces/{id}/vote (ninja, middleware, session, vote_cast). Lean path:
PUT /api/lean/faces/{id}/vote. The runs alternate (old, lean, old, ...), each with new
voters, on the same server. After each run, voter by voter: every acknowledged vote is a
row with that label (else lost), no row exists that was not acknowledged, and every
touched face's counters equal its counted rows; requests without an answer when the run
stopped are left out (nobody was told). CPU seconds per vote: gunicorn's processes and the
PostgreSQL backends of the scratch database (from /proc), which the machine's other load
moves far less than votes/s; the load average is read before and after each run.

Rate limits stay on (one Redis call a vote) but are raised above the load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import (
    django_setup,
    gunicorn_start,
    median,
    redis_database,
    scratch_database,
    table,
    write_results,
)
from bench.load_gallery import counters_mismatched

REPO_ROOT = Path(__file__).resolve().parent.parent
PATHS = {"old": "/api/faces/{}/vote", "lean": "/api/lean/faces/{}/vote"}
TEMPLATES = 16  # real faces drawn; the rest are copies under new seeds


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


def establish(keys: list[str]) -> None:
    """Give voters a track record: established a day ago, as a visitor of long standing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO voting_voter (key, ip_prefix_hash, minted_at, first_vote_at, "
            "last_vote_at, votes_cast, fast_votes, established_at) SELECT k, '', "
            "now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', "
            "10, 0, now() - interval '1 day' FROM unnest(%s::text[]) k",
            [keys],
        )


def check(voters: list[Voter]) -> dict:
    """Every acknowledged vote a row with its label; no row nobody was told about; counters."""
    from facegallery.voting.models import Vote

    rows: dict[str, dict[int, str]] = {}
    keys = [v.key for v in voters]
    for key, face, label in Vote.objects.filter(voter__in=keys, voided=False).values_list(
        "voter", "face_id", "label"
    ):
        rows.setdefault(key, {})[face] = label
    lost = phantom = unsure = 0
    touched: set[int] = set()
    for voter in voters:
        mine = rows.get(voter.key, {})
        touched |= set(mine) | set(voter.votes)
        unsure += len(voter.unsure)
        lost += sum(
            1
            for face, label in voter.votes.items()
            if face not in voter.unsure and mine.get(face) != label
        )
        phantom += sum(1 for face in mine if face not in voter.votes and face not in voter.unsure)
    counted = Vote.objects.filter(voter__in=keys, counted=True).count()
    return {
        "lost": lost,
        "rows_not_acknowledged": phantom,
        "unsure": unsure,
        "counted_rows": counted,
        "faces_touched": len(touched),
        "counters_mismatched": counters_mismatched(sorted(touched)),
    }


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def server_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [server.pid, *map(int, children)]


class DatabaseCpu(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving one database, sampled twice a second.

    Backends come and go (Django replaces a connection after CONN_MAX_AGE), so one reading
    at each end would lose those that exit: each backend's last sample counts, from zero for
    those that started during the run (the last half second of an exiting one is lost)."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.marker = f" {database} ".encode()
        self.stop = threading.Event()
        self.start_cpu = self.sample()
        self.last = dict(self.start_cpu)

    def sample(self) -> dict[int, float]:
        found = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    title = Path(f"/proc/{entry}/cmdline").read_bytes()
                except OSError:
                    continue
                if title.startswith(b"postgres: ") and self.marker in title:
                    found[int(entry)] = cpu_seconds([int(entry)])
        return found

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.last.update(self.sample())

    def seconds(self) -> float:
        self.stop.set()
        self.join()
        self.last.update(self.sample())
        return sum(cpu - self.start_cpu.get(pid, 0.0) for pid, cpu in self.last.items())


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def one_run(args, server, port: int, path_name: str, faces: list[int], seed: int) -> dict:
    from django.db import connection

    groups = [f"127.{60 + seed % 100}.{i}.1" for i in range(args.connections)]
    per_group = max(1, args.voters // args.connections)

    async def setup():
        made = await asyncio.gather(*(make_voters(port, a, per_group) for a in groups))
        return list(made)

    by_group = asyncio.run(setup())
    voters = [v for group in by_group for v in group]
    rng = random.Random(seed)
    establish([v.key for v in voters if rng.random() < args.established])
    run = Run()
    database = DatabaseCpu(connection.settings_dict["NAME"])
    load_before = load_average()
    server_before = cpu_seconds(server_pids(server))
    database.start()
    client_before = time.process_time()

    async def load():
        deadline = time.monotonic() + args.duration
        path = PATHS[path_name]
        await asyncio.gather(
            *(
                drive(port, a, g, faces, path, deadline, run, random.Random(seed * 1000 + i))
                for i, (a, g) in enumerate(zip(groups, by_group, strict=True))
            )
        )

    started = time.perf_counter()
    asyncio.run(load())
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_before
    server_cpu = cpu_seconds(server_pids(server)) - server_before
    db_cpu = database.seconds()
    load_after = load_average()
    verdict = check(voters)
    latencies = sorted(run.latencies) or [0.0]
    votes = max(run.acknowledged, 1)
    return {
        "path": path_name,
        "votes_per_s": run.acknowledged / elapsed,
        "acknowledged": run.acknowledged,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "statuses": dict(run.statuses),
        "server_cpu_ms_per_vote": server_cpu * 1000 / votes,
        "database_cpu_ms_per_vote": db_cpu * 1000 / votes,
        "client_cpu_ms_per_vote": client_cpu * 1000 / votes,
        "load_before": load_before,
        "load_after": load_after,
        "voters": len(voters),
        **verdict,
        "exact": verdict["lost"] == verdict["rows_not_acknowledged"] == 0
        and verdict["counters_mismatched"] == 0
        and not any(s.startswith("5") or s == "no answer" for s in run.statuses),
    }


def load_range(runs: list[dict]) -> str:
    low = min(min(r["load_before"], r["load_after"]) for r in runs)
    high = max(max(r["load_before"], r["load_after"]) for r in runs)
    return f"{low:.1f}-{high:.1f}"


def scratch_env(stack: ExitStack, args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="facegallery.settings",
        DATABASE_URL=scratch_database(stack, "vote_path"),
        REDIS_URL=redis_database(args.redis_db),
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY=f"vote-path-bench-{uuid.uuid4().hex}-not-for-production",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        FACEGALLERY_TORCH_THREADS="1",
        FACEGALLERY_VOTE_RATE_VOTER="1000000000",
        FACEGALLERY_VOTE_RATE_IP="1000000000",
        FACEGALLERY_VOTE_RATE_PREFIX="1000000000",
    )
    return env


def seed_faces(count: int) -> list[int]:
    """TEMPLATES real faces, then copies under new seeds up to `count` visible faces."""
    from django.db import connection

    from facegallery.gallery.models import Face, FaceStatus
    from facegallery.generation.services.batches import faces_generate_now

    faces_generate_now(count=TEMPLATES)
    copied = ["temperature", "strokes", "num_points", "num_strokes", "generator_id"]
    copied += ["precision", "origin", "explored", "admission_probability", "featured"]
    columns = ", ".join(f'"{c}"' for c in copied)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO gallery_face (seed, created, status, shuffle_key, {columns}, "
            "interesting_count, boring_count, wilson_interesting, wilson_boring, controversy) "
            f"SELECT 2000000000000 + g, now(), %s, random(), {columns}, 0, 0, 0, 0, 0 "
            "FROM generate_series(1, %s) g JOIN (SELECT row_number() OVER (ORDER BY id) - 1 "
            f"AS idx, * FROM gallery_face) t ON t.idx = g %% {TEMPLATES}",
            [FaceStatus.VISIBLE, count - TEMPLATES],
        )
    return list(Face.objects.filter(status=FaceStatus.VISIBLE).values_list("pk", flat=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32, help="client addresses")
    parser.add_argument("--voters", type=int, default=2000, help="new voters per run")
    parser.add_argument("--established", type=float, default=0.75, help="share with a record")
    parser.add_argument("--faces", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each path")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per path, not counted")
    parser.add_argument("--paths", default="old,lean")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per process")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--json", default=None, help="results path (default var/bench/)")
    args = parser.parse_args()
    runs: list[dict] = []
    with ExitStack() as stack:
        env = scratch_env(stack, args)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=REPO_ROOT, env=env, check=True,
        )  # fmt: skip
        if not (REPO_ROOT / "staticfiles" / "staticfiles.json").exists():  # pages need it
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
                cwd=REPO_ROOT, env=env, check=True,
            )  # fmt: skip
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")})
        os.environ.update(HTTPS="0", DEBUG="0")
        django_setup()
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        faces = seed_faces(args.faces)
        # A loaded machine starts 4 workers slowly.
        server, port = gunicorn_start(
            env, workers=args.workers, threads=args.threads, ready_timeout_s=300
        )
        stack.callback(server.wait, 30)
        stack.callback(server.terminate)
        for name in args.paths.split(","):  # warm every worker and thread on both paths
            warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
            one_run(warm, server, port, name, faces, seed=90 + len(name))
        for repeat in range(args.repeats):
            for name in args.paths.split(","):
                result = one_run(args, server, port, name, faces, seed=len(runs) + 1)
                result["repeat"] = repeat
                runs.append(result)
                print(
                    f"{name} #{repeat + 1}: {result['votes_per_s']:.0f} votes/s, "
                    f"exact: {result['exact']}, load {result['load_before']:.1f}-"
                    f"{result['load_after']:.1f}, statuses {result['statuses']}",
                    flush=True,
                )
    rows = []
    summary = {}
    for name in args.paths.split(","):
        mine = [r for r in runs if r["path"] == name]
        med = {k: median([r[k] for r in mine]) for k in mine[0] if isinstance(mine[0][k], float)}
        summary[name] = med
        cpu = med["server_cpu_ms_per_vote"] + med["database_cpu_ms_per_vote"]
        rows.append(
            [
                f"{name} ({PATHS[name].format('{id}')})",
                med["votes_per_s"],
                med["p50_ms"],
                med["p99_ms"],
                med["server_cpu_ms_per_vote"],
                med["database_cpu_ms_per_vote"],
                cpu,
                load_range(mine),
                sum(r["acknowledged"] for r in mine),
                sum(r["lost"] for r in mine),
                sum(r["rows_not_acknowledged"] for r in mine),
                sum(r["counters_mismatched"] for r in mine),
                all(r["exact"] for r in mine),
            ]
        )
    headers = ["path", "votes/s", "p50 ms", "p99 ms", "server CPU ms/vote"]
    headers += ["PostgreSQL CPU ms/vote", "CPU ms/vote", "load avg", "acknowledged", "lost"]
    headers += ["rows not acknowledged", "counters off", "exact"]
    print(table(headers, rows))
    config = {k: getattr(args, k) for k in vars(args) if k != "json"}
    written = write_results("vote_path", {"config": config, "runs": runs, "medians": summary},
                            args.json)  # fmt: skip
    print(f"results: {written}")
    sys.exit(0 if all(r["exact"] for r in runs) else 1)


if __name__ == "__main__":
    main()
