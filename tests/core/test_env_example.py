""".env.example lists every variable the settings and docker-compose read, and no other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
_READERS = {"env_str", "env_bool", "env_int", "env_list", "env_secret", "env_database", "env_redis"}


def settings_variables() -> set[str]:
    """The first argument of every env_* call in facegallery/settings.py."""
    tree = ast.parse((REPO_ROOT / "facegallery" / "settings.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _READERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
            if node.func.id == "env_secret":  # a secret may come from a file instead
                names.add(f"{node.args[0].value}_FILE")
    return names


def compose_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_]+)", (REPO_ROOT / "docker-compose.yml").read_text()))


def example_variables() -> set[str]:
    text = (REPO_ROOT / ".env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_the_settings_reader_is_found():
    # Guards the parser itself: these are read today, with three different helpers.
    assert {"SECRET_KEY", "DATABASE_URL", "FACEGALLERY_TICK_SECONDS"} <= settings_variables()


def test_every_variable_read_is_in_env_example():
    missing = (settings_variables() | compose_variables()) - example_variables()
    assert missing == set()


def test_env_example_names_no_variable_that_nothing_reads():
    stale = example_variables() - settings_variables() - compose_variables()
    assert stale == set()
