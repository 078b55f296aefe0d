"""``python -m generator``: see :mod:`generator.cli`."""

from __future__ import annotations

from generator.cli import main

raise SystemExit(main())
