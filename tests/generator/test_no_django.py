"""generator/ must import with Django unavailable: it is the pure PyTorch/numpy layer."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    class BlockDjango:
        def find_spec(self, name, path=None, target=None):
            if name == "django" or name.startswith("django."):
                raise ImportError(f"generator must not import {name}")
            return None

    sys.meta_path.insert(0, BlockDjango())
    import generator
    names = [m.name for m in pkgutil.iter_modules(generator.__path__, "generator.")]
    for name in names:
        if name != "generator.__main__":  # runs the CLI; its imports are cli's
            importlib.import_module(name)
    assert not any(m == "django" or m.startswith("django.") for m in sys.modules)
    print(" ".join(sorted(names)))
    """
)


def test_every_generator_module_imports_without_django() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    imported = proc.stdout.split()
    for name in ("cli", "model", "modelfile", "sampling", "likelihood", "bench", "rnn", "rng"):
        assert f"generator.{name}" in imported
