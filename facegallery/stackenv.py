"""var/stack.env: the running stack's environment, so that `python -m facegallery.stack manage`
(`make manage ARGS=...`, `make admin`) can run manage.py against the same servers from
another terminal. Written by `run` and `services`, removed when they stop; never imports
Django (the launcher does not).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

STACK_ENV = "stack.env"  # in the var folder, while a stack runs
# What a manage.py command needs to reach the stack's servers with the stack's secrets.
STACK_ENV_NAMES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "VOTER_HASH_SALT",
    "VOTER_HASH_SALT_FILE",
    "HTTPS",
    "DJANGO_SETTINGS_MODULE",
    "FACEGALLERY_MODELS_DIR",
)


class NoStackRunning(Exception):
    """`manage` found no running stack to talk to."""


def stack_env_write(var: Path, env: dict[str, str], *, url: str | None = None) -> Path:
    """var/stack.env: this stack's environment for `manage`, readable by its owner only
    (it names the database and the secret key). Removed when the stack stops."""
    names = [name for name in STACK_ENV_NAMES if name in env]
    lines = [
        "# The running stack's environment, for `make manage`; removed when it stops.",
        f"FACEGALLERY_STACK_PID={os.getpid()}",
        *([f"FACEGALLERY_STACK_URL={url}"] if url else []),
        *(f"{name}={shlex.quote(env[name])}" for name in names),
    ]
    path = var / STACK_ENV
    partial = path.with_name(STACK_ENV + ".partial")
    partial.unlink(missing_ok=True)
    # Created with mode 600, never readable by others, even for a moment.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")
    partial.replace(path)
    return path


def stack_env_read(var: Path) -> dict[str, str]:
    """The running stack's environment from var/stack.env (NoStackRunning if none runs)."""
    path = var.resolve() / STACK_ENV
    start = "start one with `make run` in another terminal"
    if not path.exists():
        raise NoStackRunning(f"no running stack (no {path}): {start}")
    env = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            env[name] = "".join(shlex.split(value))
    pid = int(env.pop("FACEGALLERY_STACK_PID", "0"))
    if not _alive(pid):
        raise NoStackRunning(f"no running stack ({path} is left from pid {pid}): {start}")
    env.pop("FACEGALLERY_STACK_URL", None)
    return env


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True
