"""Load benchmark of the public site: gallery page req/s and p99, vote endpoint votes/s.

    python -m bench.load_gallery [--duration 15] [--connections 32] [--workers 4] [--threads 4]
                                 [--json PATH]

Starts gunicorn with production settings (DEBUG=0, HTTPS=0 on loopback only; gthread
workers as in gunicorn.conf.py, --threads 1 for sync workers) against
DATABASE_URL (seed it first: python -m bench.seed_database), then drives it with wrk:

- gallery: GET / (newest, featured first) and GET /?sort=interesting, --latency percentiles
- votes: PUT /api/faces/{id}/vote from pre-made sessions (cookie + CSRF token), every request
  a new (voter, face) pair, so each 200 must add exactly one Vote row. Vote rows are counted
  before and after; "exact" means rows added == requests sent and no request failed.

The rate limits stay on (counted in Redis) but are raised far above the load: every
request comes from one IP here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from bench.common import django_setup, table, write_results

REPO_ROOT = Path(__file__).resolve().parent.parent
VOTE_LUA = """
local sessions = {SESSIONS}
local faces = {FACES}
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  tid = tonumber(tid); nthreads = {NTHREADS}; sent = 0; ok = 0; bad = 0
  mine = {}
  for i = 1, #sessions do
    if (i - 1) % nthreads == tid then table.insert(mine, {sessions[i][1], sessions[i][2], i}) end
  end
end
function request()
  -- Voter v's k-th vote goes to face (k + 997 v) mod F: a new (voter, face) pair every
  -- time, and concurrent voters on different faces (not all queued on one row lock).
  local s = mine[(sent % #mine) + 1]
  local k = math.floor(sent / #mine)
  local face = faces[((k + 997 * s[3]) % #faces) + 1]
  sent = sent + 1
  local label = (sent % 3 == 0) and "boring" or "interesting"
  return wrk.format("PUT", "/api/faces/" .. face .. "/vote", {
    ["Cookie"] = "sessionid=" .. s[1] .. "; csrftoken=" .. s[2],
    ["X-CSRFToken"] = s[2], ["Content-Type"] = "application/json",
  }, '{"label": "' .. label .. '"}')
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local s, o, b = 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent"); o = o + t:get("ok"); b = b + t:get("bad")
  end
  io.write(string.format("VOTES sent=%d ok=%d bad=%d\\n", s, o, b))
end
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="facegallery.settings",
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        FACEGALLERY_VOTE_RATE_VOTER="1000000000",
        FACEGALLERY_VOTE_RATE_IP="1000000000",
    )
    return env


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = server_env()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "facegallery.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not become healthy within 60 s")


def run_wrk(url: str, duration: int, connections: int, threads: int, script: str | None = None):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        command += ["-s", script]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    return out, parse_wrk(out)


def _search(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """A line wrk always prints."""
    match = re.search(pattern, text, flags)
    assert match is not None, f"wrk printed nothing matching {pattern!r}"
    return match


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match is not None, f"not a wrk latency: {text!r}"
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(out: str) -> dict:
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests_per_s": float(_search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "requests": int(_search(r"(\d+) requests in", out)[1]),
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "non_2xx": int(errors[1]) if errors else 0,
        "socket_errors": socket_errors[1] if socket_errors else "none",
    }


def make_sessions(base: str, count: int) -> tuple[list[tuple[str, str]], set[int]]:
    """Sessions with a voter id (one vote each on a setup face), their CSRF tokens, and
    the setup faces (left out of the run: a second vote there adds no row)."""
    sessions: list[tuple[str, str]] = []
    used: set[int] = set()
    for _ in range(count):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        token = json.load(opener.open(f"{base}/api/csrf"))["csrf_token"]
        next_face = json.load(opener.open(f"{base}/api/vote/next"))["face"]["id"]
        request = urllib.request.Request(
            f"{base}/api/faces/{next_face}/vote",
            data=b'{"label": "boring"}',
            method="PUT",
            headers={"X-CSRFToken": token, "Content-Type": "application/json"},
        )
        opener.open(request).read()
        used.add(next_face)
        cookies = {c.name: c.value for c in jar if c.value is not None}
        sessions.append((cookies["sessionid"], cookies["csrftoken"]))
    return sessions, used


def vote_rows() -> int:
    from facegallery.voting.models import Vote

    return Vote.objects.count()


def counters_mismatched(face_ids: list[int]) -> int:
    """Faces among `face_ids` whose counters differ from their counted vote rows (not
    voided; a pending vote, or one over its prefix's cap, is a row the counters leave out)."""
    from django.db.models import Count, F, Q

    from facegallery.gallery.models import Face

    counted = Face.objects.filter(pk__in=face_ids).annotate(
        rows=Count("votes", filter=Q(votes__voided=False, votes__counted=True))
    )
    return counted.exclude(rows=F("interesting_count") + F("boring_count")).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (gthread; 1: sync workers)"
    )
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=64, help="voters for the vote run")
    parser.add_argument("--json", default=None, help="results path (default var/bench/)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    django_setup()
    from facegallery.gallery.models import Face, FaceStatus

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port, args.workers, args.threads)
    try:
        results, rows = {}, []
        for name, path in [("gallery newest", "/"), ("gallery interesting", "/?sort=interesting")]:
            run_wrk(base + path, 3, args.connections, args.wrk_threads)  # warm the workers
            _, stats = run_wrk(base + path, args.duration, args.connections, args.wrk_threads)
            results[name] = stats
            rows.append(
                [
                    name,
                    stats["requests_per_s"],
                    stats["p50_ms"],
                    stats["p99_ms"],
                    stats["non_2xx"],
                    stats["socket_errors"],
                ]
            )

        sessions, used = make_sessions(base, args.sessions)
        faces = [
            pk
            for pk in Face.objects.filter(status=FaceStatus.VISIBLE)
            .order_by("-id")
            .values_list("pk", flat=True)[:20_000]
            if pk not in used
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            lua_sessions = "{" + ",".join(f'{{"{s}","{t}"}}' for s, t in sessions) + "}"
            script.write(
                VOTE_LUA.replace("{SESSIONS}", lua_sessions)
                .replace("{FACES}", "{" + ",".join(map(str, faces)) + "}")
                .replace("{NTHREADS}", str(args.wrk_threads))
            )
        before = vote_rows()
        out, stats = run_wrk(
            base + "/", args.duration, args.connections, args.wrk_threads, script.name
        )
        time.sleep(1.0)  # let requests in flight when wrk stopped finish
        added = vote_rows() - before
        sent, ok, bad = map(int, _search(r"VOTES sent=(\d+) ok=(\d+) bad=(\d+)", out).groups())
        Path(script.name).unlink()
        # wrk stops with up to one request per connection in flight: the server still records
        # those, so rows land between the answered and the sent count; exact means that,
        # no failures, and every touched face's counters equal to its vote rows.
        mismatched = counters_mismatched(faces)
        exact = ok <= added <= sent and bad == 0 and mismatched == 0
        stats.update(
            sent=sent,
            ok=ok,
            failed=bad,
            rows_added=added,
            counters_mismatched=mismatched,
            exact=exact,
        )
        results["votes"] = stats
        rows.append(
            [
                "votes (PUT /api/faces/{id}/vote)",
                stats["requests_per_s"],
                stats["p50_ms"],
                stats["p99_ms"],
                bad + stats["non_2xx"],
                stats["socket_errors"],
            ]
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(table(["endpoint", "req/s", "p50 ms", "p99 ms", "errors", "socket errors"], rows))
    exact = results["votes"]["exact"]
    print(
        f"\nvotes: {sent} sent, {ok} answered 200, {added} rows added, "
        f"{results['votes']['counters_mismatched']} faces with counters != rows → exact: {exact}"
    )
    config = {
        k: getattr(args, k)
        for k in ("duration", "connections", "workers", "threads", "wrk_threads")
    }
    config["faces"] = Face.objects.count()
    config["votes_before"] = before
    written = write_results("load_gallery", {"config": config, "results": results}, args.json)
    print(f"results: {written}")


if __name__ == "__main__":
    main()
