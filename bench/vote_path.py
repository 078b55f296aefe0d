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
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
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
from bench.vote_path_clients import Run, drive, make_voters
from bench.vote_path_measure import DatabaseCpu, check, cpu_seconds, load_average, server_pids

REPO_ROOT = Path(__file__).resolve().parent.parent
PATHS = {"old": "/api/faces/{}/vote", "lean": "/api/lean/faces/{}/vote"}
TEMPLATES = 16  # real faces drawn; the rest are copies under new seeds


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
