"""The reliability report: which faults were survived and which bad inputs were tried.

Tests mark what they prove:

    @pytest.mark.fault("redis-down")                     # a key of FAULTS below
    @pytest.mark.bad_input("OpenAPI fuzz (schemathesis)")  # the row's name

and may record how many generated examples they sent (`("examples", n)` in
`request.node.user_properties`). At the end of the run this plugin prints one table per
kind and writes var/artifacts/reliability.{json,md}; the README's table is that file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.common import table

ARTIFACTS = Path(__file__).resolve().parent.parent / "var" / "artifacts"
KINDS = {"fault": "Faults survived", "bad_input": "Bad inputs tried"}
# fault key -> (the fault, what a user sees while it lasts and after)
FAULTS = {
    "worker-killed": (
        "a worker SIGKILLed mid-batch",
        "nothing: no partial or duplicate faces; a new worker tops the pool up",
    ),
    "redis-down": (
        "Redis stopped, then restarted",
        "pages serve and votes count (limits fail open), /healthz 503 names Redis; "
        "new faces pause, then resume by themselves",
    ),
    "postgres-restart": (
        "PostgreSQL restarted",
        "while it is away, a friendly 503 (JSON under /api/) with Retry-After; then pages "
        "load again (stale connections replaced) and generation resumes",
    ),
    "disk-full": (
        "disk full in the export folder",
        "one line: disk full; no partial files, the previous export kept",
    ),
    "scorer-corrupt": (
        "scorer artifact corrupted",
        "the gallery keeps filling, unfiltered; a warning names the version",
    ),
}


@dataclass
class Row:
    kind: str
    name: str
    sees: str = ""
    tests: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    examples: int = 0
    votes_acknowledged: int = 0  # fault runs under load: acknowledged votes checked...
    votes_lost: int = 0  # ...and how many of them were missing or wrong afterwards
    server_errors: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)


_rows: dict[tuple[str, str], Row] = {}


def _row_for(item: pytest.Item) -> Row | None:
    for kind in KINDS:
        marker = item.get_closest_marker(kind)
        if marker is not None:
            name, sees = FAULTS[marker.args[0]] if kind == "fault" else (marker.args[0], "")
            key = (kind, name)
            if key not in _rows:
                _rows[key] = Row(kind=kind, name=name, sees=sees)
            return _rows[key]
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    row = _row_for(item)
    if row is None:
        return
    row.seconds += report.duration  # setup too: fault tests start their processes there
    if report.when == "setup" and not report.passed:
        row.tests += 1
        row.skipped += report.skipped
        row.failed += report.failed
    elif report.when == "call":
        row.tests += 1
        row.passed += report.passed
        row.skipped += report.skipped
        row.failed += report.failed
    elif report.when == "teardown":
        row.failed += report.failed
        # Fixtures record their counts as they finish, so read them after teardown.
        properties: dict[str, Any] = dict(item.user_properties)
        row.examples += int(properties.get("examples", 0))
        for key in ("votes_acknowledged", "votes_lost", "server_errors"):
            setattr(row, key, getattr(row, key) + int(properties.get(key, 0)))
        for status, count in properties.get("statuses", {}).items():
            row.statuses[str(status)] = row.statuses.get(str(status), 0) + count


@pytest.fixture
def tried(request) -> Iterator[Counter]:
    """Count generated requests by status: `tried[response.status_code] += 1`. The totals go
    into the report (one fixture per test, so hypothesis examples accumulate)."""
    statuses: Counter = Counter()
    yield statuses
    request.node.user_properties.append(("examples", sum(statuses.values())))
    request.node.user_properties.append(("statuses", dict(statuses)))


def markdown() -> str:
    parts = []
    for kind, title in KINDS.items():
        rows = sorted((r for r in _rows.values() if r.kind == kind), key=lambda r: r.name)
        if not rows:
            continue
        if kind == "fault":
            headers = ["fault", "what the user sees", "tests", "passed",
                       "acknowledged votes checked", "lost", "5xx"]  # fmt: skip
            cells = [
                [r.name, r.sees, r.tests, r.passed, r.votes_acknowledged or "–",
                 r.votes_lost if r.votes_acknowledged else "–",
                 r.server_errors if r.votes_acknowledged else "–"]
                for r in rows
            ]  # fmt: skip
        else:
            headers = ["bad input", "tests", "generated requests", "passed"]
            cells = [[r.name, r.tests, r.examples or "–", r.passed] for r in rows]
        parts.append(f"**{title}**\n\n{table(headers, cells)}\n")
    return "\n".join(parts)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _rows:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "reliability.json").write_text(
        json.dumps([asdict(r) for r in _rows.values()], indent=2) + "\n"
    )
    text = markdown()
    (ARTIFACTS / "reliability.md").write_text(text)
    terminalreporter.write_sep("=", "reliability report (var/artifacts/reliability.md)")
    terminalreporter.write_line(text)
