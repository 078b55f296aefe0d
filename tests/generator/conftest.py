"""Fixtures for generator tests: no database, no Django, CPU only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from generator.model import SketchDecoder, load_decoder

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"


def _first_existing(*candidates: Path) -> Path | None:
    return next((path for path in candidates if path.is_file()), None)


@pytest.fixture(scope="session")
def face_model_path() -> Path:
    """The real pretrained face decoder: models/ once fetched, else ../shared/models/."""
    path = _first_existing(
        REPO_ROOT / "models" / "face.gen.json", SHARED / "models" / "face.gen.json"
    )
    if path is None:
        pytest.skip("face.gen.json not found: run `python manage.py fetch_models`")
    return path


@pytest.fixture(scope="session")
def quickdraw_faces() -> list[dict]:
    """25 real human face drawings from Quick, Draw! (simplified ndjson records)."""
    path = SHARED / "data" / "quickdraw_face_sample.ndjson"
    if not path.is_file():
        pytest.skip(f"{path} not found: tests need ../shared beside the checkout")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def decoder(face_model_path: Path) -> SketchDecoder:
    """The face decoder, loaded once per test module (a module may tune or perturb its copy)."""
    return load_decoder(face_model_path)


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """One torch thread for a module's heavy tests: two spin-wait on a shared 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
