"""All-or-nothing output: files are written in a hidden scratch folder inside the target
folder (same file system, so the final rename is atomic) and moved into place only when
the whole export has succeeded. Any failure, disk full included, removes every scratch
byte and, if the export created the target folder, the folder too."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

CARD_NAME = "README.md"
CARD_MARKER = "<!-- written by facegallery export_dataset -->"


class ExportError(Exception):
    """An export that cannot run; the message is one line, safe to show."""


class OutputDir:
    """``with OutputDir(out) as output:`` write to ``output.path(name)``, then ``commit``."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.created = False
        self.scratch: Path | None = None

    def __enter__(self) -> OutputDir:
        self._check_target()
        try:
            if not self.out.exists():
                self.out.mkdir()
                self.created = True
            self.scratch = Path(tempfile.mkdtemp(prefix=".export-", dir=self.out))
        except OSError as exc:
            self._cleanup()
            raise ExportError(f"cannot write to {self.out}: {exc.strerror}") from None
        return self

    def _check_target(self) -> None:
        out = self.out
        if out.exists() and not out.is_dir():
            raise ExportError(f"--out {out} is a file: give a folder (it is created if missing)")
        parent = out if out.exists() else out.parent
        if not parent.is_dir():
            raise ExportError(f"cannot write to {out}: folder {parent} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ExportError(f"cannot write to {out}: permission denied")
        card = out / CARD_NAME
        if card.exists() and CARD_MARKER not in card.read_text(errors="replace")[:4096]:
            raise ExportError(
                f"{card} exists and was not written by an export: choose another --out folder"
            )

    def path(self, name: str) -> Path:
        assert self.scratch is not None
        return self.scratch / name

    def commit(self, names: list[str]) -> None:
        """Move the finished files into the target folder (each rename is atomic)."""
        for name in names:
            os.replace(self.path(name), self.out / name)

    def __exit__(self, exc_type, exc, tb) -> None:
        self._cleanup(failed=exc_type is not None)
        if isinstance(exc, OSError) and not isinstance(exc, ExportError):
            if exc.errno == errno.ENOSPC:
                raise ExportError(f"disk full while writing to {self.out}: nothing was written")
            raise ExportError(f"cannot write to {self.out}: {exc.strerror or exc}") from exc

    def _cleanup(self, failed: bool = True) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None
        if failed and self.created:
            try:
                self.out.rmdir()  # only when empty: never remove what someone else put there
            except OSError:
                logger.warning("left the folder %s behind: it is not empty", self.out)
