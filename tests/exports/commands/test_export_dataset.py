"""export_dataset: a progress bar, and bad arguments are one clear line that writes nothing."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from tests.conftest import manage

pytestmark = pytest.mark.django_db


def _run(*args, out: Path):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("export_dataset", *args, "--out", str(out), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_it_shows_progress_and_names_the_files(dataset, tmp_path, capsys):
    stdout, _ = _run("--format", "parquet", out=tmp_path / "out")
    rows = len(dataset.exported())
    assert f"{rows}/{rows}" in capsys.readouterr().err  # tqdm's bar, on the process's stderr
    assert f"{rows} rows exported" in stdout and "faces.parquet" in stdout
    assert _leftovers(tmp_path / "out") == ["README.md", "faces.parquet"]


def _unwritable(tmp_path: Path) -> Path:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if not os.access(locked, os.W_OK):
        return locked / "out"
    if Path("/sys").is_dir():  # root ignores modes; sysfs refuses new folders even to root
        return Path("/sys/facegallery-export-test")
    pytest.skip("no unwritable folder available")


@pytest.mark.bad_input("malformed export requests")
@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "xlsx"], "unknown format 'xlsx'"),
        (["--format", "csv", "--min-votes", "1000"], "no faces match"),
        (["--format", "votes", "--since", "2999-01-01"], "no votes on faces match"),
        (["--format", "csv", "--since", "yesterday"], "--since 'yesterday' is not a date"),
        (["--format", "csv", "--until", "2024-02-30"], "is not a date"),
        (["--format", "csv", "--since", "2024-02-02", "--until", "2024-02-01"], "not before"),
        (["--format", "csv", "--status", "gone"], "unknown status 'gone'"),
        (["--format", "csv", "--label-rule", "loudest"], "unknown label rule"),
        (["--format", "csv", "--generator", "cats"], "no generator model named 'cats'"),
        (["--format", "csv", "--split", "50/50"], "split ratio"),
        (["--format", "csv", "--min-votes", "-1"], "--min-votes must be 0 or more"),
    ],
)
def test_bad_arguments_are_one_clear_error_and_write_nothing(dataset, tmp_path, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        _run(*args, out=tmp_path / "out")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.bad_input("malformed export requests")
def test_an_unwritable_folder_is_one_clear_error(dataset, tmp_path):
    out = _unwritable(tmp_path)
    with pytest.raises(CommandError, match="cannot write to"):
        _run("--format", "csv", out=out)
    assert not out.exists()


@pytest.mark.bad_input("malformed export requests")
def test_a_missing_parent_or_a_file_as_out_is_refused(dataset, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        _run("--format", "csv", out=tmp_path / "no" / "such" / "folder")
    (tmp_path / "file").write_text("mine")
    with pytest.raises(CommandError, match="is a file"):
        _run("--format", "csv", out=tmp_path / "file")
    assert (tmp_path / "file").read_text() == "mine"


def test_someone_elses_readme_is_never_overwritten(dataset, tmp_path):
    (tmp_path / "README.md").write_text("# my project\n")
    with pytest.raises(CommandError, match="was not written by an export"):
        _run("--format", "csv", out=tmp_path)
    assert _leftovers(tmp_path) == ["README.md"]


@pytest.mark.fault("disk-full")
def test_a_full_disk_mid_export_leaves_no_partial_file(dataset, tmp_path, monkeypatch):
    def disk_full(self, table, row_group_size=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", disk_full)
    with pytest.raises(CommandError, match="disk full"):
        _run("--format", "parquet", out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.fault("disk-full")
def test_a_failed_reexport_keeps_the_previous_files(dataset, tmp_path, monkeypatch):
    out = tmp_path / "out"
    _run("--format", "parquet", out=out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(pq.ParquetWriter, "write_table", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        _run("--format", "parquet", out=out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.bad_input("malformed export requests")
def test_from_the_shell_a_bad_format_is_one_line_without_a_traceback(tmp_path):
    result = manage("export_dataset", "--format", "xlsx", "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: unknown format 'xlsx': use one of npz, ndjson, parquet, csv, votes"
    ]
    assert not (tmp_path / "out").exists()
