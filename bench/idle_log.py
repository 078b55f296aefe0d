"""How much `make run` logs while nobody uses it.

    python -m bench.idle_log [--minutes 10] [--port 18765] [--json PATH]

Starts the launcher as `make run` does (private PostgreSQL and Redis in a temporary folder
unless DATABASE_URL / REDIS_URL are set), waits until the site answers, opens the gallery
once as a browser would (the page and its static files), then leaves everything alone and
counts the lines the launcher and its children wrote from start until the minutes are up,
by kind. The weights come from FACEGALLERY_MODELS_FROM, as for `make run`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from bench.common import table, write_results

REPO_ROOT = Path(__file__).resolve().parent.parent

# gunicorn's access format: 127.0.0.1 - - [date] "GET /path HTTP/1.1" 200 ...
ACCESS = re.compile(r'"(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\S+) HTTP/')
KINDS = {
    "static file requests": lambda line: (m := ACCESS.search(line)) and "/static/" in m[1],
    "other requests": lambda line: ACCESS.search(line) is not None,
    "beat sending a task": lambda line: "Scheduler: Sending due task" in line,
    "worker task received / succeeded": lambda line: re.search(
        r"Task \S+\[[0-9a-f-]+\] (received|succeeded)", line
    ),
    "top-up that did nothing": lambda line: "enqueued 0 new and 0 stale" in line,
}


def classify(lines: list[str]) -> Counter[str]:
    """Lines by kind (the first kind that matches; "other" for the rest)."""
    counts: Counter[str] = Counter()
    for line in lines:
        kind = next((name for name, match in KINDS.items() if match(line)), "other")
        counts[kind] += 1
    return counts


def open_like_a_browser(base: str) -> int:
    """GET / and every /static/ file it links to; returns the number of requests."""
    with urllib.request.urlopen(base + "/", timeout=10) as response:
        page = response.read().decode()
    assets = sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page)))
    for asset in assets:
        with urllib.request.urlopen(base + asset, timeout=10) as response:
            response.read()
    return 1 + len(assets)


def wait_until_up(base: str, launcher: subprocess.Popen, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if launcher.poll() is not None:
            raise SystemExit(f"the launcher exited with code {launcher.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise SystemExit(f"{base}/healthz did not answer 200 in {timeout_s:.0f} s")


def measure(*, minutes: float, port: int, var: Path, log: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the file when written, as on a terminal
    argv = [sys.executable, "-m", "facegallery.stack", "run", "--port", str(port)]
    started = time.monotonic()
    with log.open("wb") as out:
        launcher = subprocess.Popen(
            [*argv, "--var", str(var)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, launcher)
        up_s = time.monotonic() - started
        requests = open_like_a_browser(base)
        time.sleep(max(0.0, minutes * 60 - (time.monotonic() - started)))
        lines = log.read_text(errors="replace").splitlines()
    finally:
        # What Ctrl-C does; SIGINT itself is ignored when this runs in the background.
        launcher.send_signal(signal.SIGTERM)
        try:
            launcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            launcher.kill()
    counts = classify(lines)
    other = Counter(re.sub(r"\d+", "N", line.split("]", 1)[-1])[:100] for line in lines)
    return {
        "minutes": minutes,
        "up_after_s": round(up_s, 1),
        "browser_requests": requests,
        "lines": len(lines),
        "by_kind": dict(counts),
        "most_frequent": other.most_common(8),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.idle_log", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--var", type=Path, help="the servers' data (default: a temporary one)")
    parser.add_argument("--log", type=Path, help="keep the launcher's output here")
    parser.add_argument("--json", type=Path, help="default: var/bench/idle_log.json")
    args = parser.parse_args()
    var = args.var or Path(tempfile.mkdtemp(prefix="idle-log-"))
    var.mkdir(parents=True, exist_ok=True)
    log = args.log or var / "launcher.log"
    try:
        results = measure(minutes=args.minutes, port=args.port, var=var, log=log)
    finally:
        if args.var is None:
            shutil.rmtree(var, ignore_errors=True)
    rows = [(kind, n) for kind, n in sorted(results["by_kind"].items())]
    print(f"`make run` idle for {args.minutes:g} min (site up after {results['up_after_s']} s, "
          f"opened once: {results['browser_requests']} requests)\n")  # fmt: skip
    print(table(["kind", "lines"], [*rows, ("**total**", results["lines"])]))
    print("\nmost frequent lines (digits as N):")
    for shape, n in results["most_frequent"]:
        print(f"{n:6d}  {shape}")
    print(f"\nwrote {write_results('idle_log', results, args.json)}")


if __name__ == "__main__":
    main()
