"""The dataset card: README.md with Hugging Face style YAML front matter, next to the files."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command

from tests.exports.expected import expected_majority, expected_split

pytestmark = pytest.mark.django_db


def _card(path):
    text = (path / "README.md").read_text()
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


@pytest.mark.parametrize("fmt", ["npz", "parquet"])
def test_the_card_states_license_features_splits_and_counts(dataset, tmp_path, fmt):
    out = tmp_path / fmt
    call_command("export_dataset", "--format", fmt, "--out", str(out),
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    meta, body = _card(out)
    faces = dataset.exported()
    assert meta["license"] == "cc-by-4.0"
    splits = {s["name"]: s["num_examples"] for s in meta["dataset_info"]["splits"]}
    for name in ("train", "valid", "test"):
        assert splits[name] == sum(1 for f in faces if expected_split(f.pk) == name)
    labels = [expected_majority(f) for f in faces]
    assert meta["export"]["labels"] == {
        "interesting": labels.count("interesting"), "boring": labels.count("boring")
    }  # fmt: skip
    features = {f["name"] for f in meta["dataset_info"]["features"]}
    assert {"drawing", "interesting", "boring", "label"} <= features
    assert sorted(meta["data_files"]) == sorted(
        p.name for p in out.iterdir() if p.name != "README.md"
    )
    assert "Apache" in body and "Quick, Draw!" in body and "CC BY 4.0" in body


def test_a_reexport_replaces_its_own_card(dataset, tmp_path):
    out = tmp_path / "out"
    for fmt in ("csv", "votes"):
        call_command("export_dataset", "--format", fmt, "--out", str(out),
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    meta, _ = _card(out)
    assert meta["export"]["format"] == "votes"
