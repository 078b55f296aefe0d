"""Shared benchmark plumbing: Django setup, medians, tables and JSON results."""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "var" / "bench"


def django_setup(settings_module: str = "facegallery.settings") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (pastes into the README as it is)."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_results(name: str, results: dict, path: str | Path | None = None) -> Path:
    """Write results with the machine they were measured on; returns the path."""
    out = Path(path) if path else RESULTS_DIR / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
        },
        **results,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n")
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_database(stack: ExitStack, prefix: str) -> str:
    """A new, empty database on DATABASE_URL's server, dropped (even while in use) when
    `stack` closes; returns its URL. The benchmark migrates it."""
    import psycopg

    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run under `python -m facegallery.stack`")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit(urlsplit(base)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    stack.callback(drop)
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def redis_database(number: int) -> str:
    """REDIS_URL's server, database `number` (a benchmark's keys apart from the tests')."""
    redis = os.environ.get("REDIS_URL")
    if not redis:
        raise SystemExit("REDIS_URL is not set: run under `python -m facegallery.stack`")
    return urlunsplit(urlsplit(redis)._replace(path=f"/{number}"))


def gunicorn_start(
    env: dict[str, str], *, workers: int, threads: int, ready_timeout_s: float = 90
) -> tuple[subprocess.Popen, int]:
    """gunicorn serving facegallery.wsgi on a free loopback port, once /healthz answers 200."""
    from bench.slowloris import probe

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "facegallery.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads),
         "--log-level", "warning", "--backlog", "2048"],
        cwd=REPO_ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + ready_timeout_s
    while probe(f"http://127.0.0.1:{port}/healthz", timeout=5).status != 200:
        if time.monotonic() > deadline or server.poll() is not None:
            server.terminate()
            raise SystemExit("gunicorn did not become healthy")
        time.sleep(0.5)
    return server, port
