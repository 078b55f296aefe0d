"""What a run of bench.vote_path did: the row accounting after it (Django set up by the
caller) and the CPU seconds of gunicorn and of the PostgreSQL backends, from /proc.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from bench.load_gallery import counters_mismatched
from bench.vote_path_clients import Voter


def check(voters: list[Voter]) -> dict:
    """Every acknowledged vote a row with its label; no row nobody was told about; counters."""
    from facegallery.voting.models import Vote

    rows: dict[str, dict[int, str]] = {}
    keys = [v.key for v in voters]
    for key, face, label in Vote.objects.filter(voter__in=keys, voided=False).values_list(
        "voter", "face_id", "label"
    ):
        rows.setdefault(key, {})[face] = label
    lost = phantom = unsure = 0
    touched: set[int] = set()
    for voter in voters:
        mine = rows.get(voter.key, {})
        touched |= set(mine) | set(voter.votes)
        unsure += len(voter.unsure)
        lost += sum(
            1
            for face, label in voter.votes.items()
            if face not in voter.unsure and mine.get(face) != label
        )
        phantom += sum(1 for face in mine if face not in voter.votes and face not in voter.unsure)
    counted = Vote.objects.filter(voter__in=keys, counted=True).count()
    return {
        "lost": lost,
        "rows_not_acknowledged": phantom,
        "unsure": unsure,
        "counted_rows": counted,
        "faces_touched": len(touched),
        "counters_mismatched": counters_mismatched(sorted(touched)),
    }


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def server_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [server.pid, *map(int, children)]


class DatabaseCpu(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving one database, sampled twice a second.

    Backends come and go (Django replaces a connection after CONN_MAX_AGE), so one reading
    at each end would lose those that exit: each backend's last sample counts, from zero for
    those that started during the run (the last half second of an exiting one is lost)."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.marker = f" {database} ".encode()
        self.stop = threading.Event()
        self.start_cpu = self.sample()
        self.last = dict(self.start_cpu)

    def sample(self) -> dict[int, float]:
        found = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    title = Path(f"/proc/{entry}/cmdline").read_bytes()
                except OSError:
                    continue
                if title.startswith(b"postgres: ") and self.marker in title:
                    found[int(entry)] = cpu_seconds([int(entry)])
        return found

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.last.update(self.sample())

    def seconds(self) -> float:
        self.stop.set()
        self.join()
        self.last.update(self.sample())
        return sum(cpu - self.start_cpu.get(pid, 0.0) for pid, cpu in self.last.items())


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])
