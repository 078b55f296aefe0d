"""fetch_models fills models/ from a folder, verifies size and sha256, refuses anything else."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, manage

SHARED_MODELS = REPO_ROOT.parent / "shared" / "models"
MANIFEST = json.loads((REPO_ROOT / "models" / "manifest.json").read_text())["models"][0]


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """An empty models folder holding only the manifest, as on a fresh clone."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "models" / "manifest.json", folder)
    return folder


def fetch(models_dir: Path, source: Path | str):
    env = dict(os.environ, FACEGALLERY_MODELS_DIR=str(models_dir))
    return manage("fetch_models", "--from", str(source), env=env)


def test_it_copies_and_verifies_the_weights_from_a_folder(models_dir):
    result = fetch(models_dir, SHARED_MODELS)
    assert result.returncode == 0, result.stderr
    fetched = models_dir / MANIFEST["file"]
    assert hashlib.sha256(fetched.read_bytes()).hexdigest() == MANIFEST["sha256"]
    assert "face" in result.stdout


def test_it_keeps_a_verified_file_without_copying_again(models_dir):
    fetch(models_dir, SHARED_MODELS)
    result = fetch(models_dir, "/nonexistent")  # would fail if it tried to copy
    assert result.returncode == 0, result.stderr
    assert "already present" in result.stdout


@pytest.mark.bad_input("malformed model file")
def test_it_refuses_a_truncated_file_and_names_the_expected_digest(models_dir, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    data = (SHARED_MODELS / MANIFEST["file"]).read_bytes()
    (source / MANIFEST["file"]).write_bytes(data[: len(data) // 2])
    result = fetch(models_dir, source)
    assert result.returncode != 0
    assert MANIFEST["sha256"] in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in models_dir.iterdir()] == ["manifest.json"]


@pytest.mark.bad_input("malformed model file")
def test_it_refuses_a_file_with_the_right_size_but_the_wrong_digest(models_dir, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    data = bytearray((SHARED_MODELS / MANIFEST["file"]).read_bytes())
    data[1000] ^= 0xFF
    (source / MANIFEST["file"]).write_bytes(bytes(data))
    result = fetch(models_dir, source)
    assert result.returncode != 0
    assert "refusing" in result.stderr and MANIFEST["sha256"] in result.stderr
    assert not (models_dir / MANIFEST["file"]).exists()


def test_it_says_clearly_when_the_source_has_no_weights(models_dir, tmp_path):
    result = fetch(models_dir, tmp_path / "empty")
    assert result.returncode != 0
    assert "cannot read" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.bad_input("malformed model file")
def test_a_wrong_weight_file_fails_the_system_check_with_the_fix(models_dir):
    fetch(models_dir, SHARED_MODELS)
    weights = models_dir / MANIFEST["file"]
    weights.write_bytes(weights.read_bytes()[:-10])
    env = dict(os.environ, FACEGALLERY_MODELS_DIR=str(models_dir))
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "core.E001" in result.stderr and "fetch_models" in result.stderr
