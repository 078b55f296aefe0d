"""Filters select faces by votes, date, generator and status."""

from __future__ import annotations

import io
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from facegallery.gallery.models import GeneratorModel

pytestmark = pytest.mark.django_db


def _ids(tmp_path, *args) -> list[int]:
    out = tmp_path / "-".join(a.strip("-") for a in args)[:60]
    call_command("export_dataset", "--format", "parquet", "--out", str(out), *args,
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    return pq.read_table(out / "faces.parquet").column("id").to_pylist()


def test_min_votes_counts_only_counted_votes(dataset, tmp_path):
    assert _ids(tmp_path, "--min-votes", "5") == [
        f.pk for f in dataset.exported() if f.total_votes >= 5
    ]


def test_a_date_range_includes_the_whole_until_day(dataset, tmp_path):
    newest = max(f.created for f in dataset.faces)
    since = (newest - timedelta(days=10)).date()
    until = (newest - timedelta(days=3)).date()
    expected = [
        f.pk for f in dataset.exported() if since <= f.created.date() <= until
    ]  # fmt: skip
    assert expected
    assert _ids(tmp_path, "--since", since.isoformat(), "--until", until.isoformat()) == expected


def test_the_generator_filter_picks_one_model(dataset, tmp_path):
    other = GeneratorModel.objects.create(name="cat", sha256="0" * 64, scale_factor=50.0)
    moved = dataset.exported()[:3]
    type(moved[0]).objects.filter(pk__in=[f.pk for f in moved]).update(generator=other)
    assert _ids(tmp_path, "--generator", "cat") == [f.pk for f in moved]
    assert not set(_ids(tmp_path, "--generator", "face")) & {f.pk for f in moved}


def test_a_wilson_threshold_keeps_only_confident_faces(dataset, tmp_path):
    expected = [
        f.pk for f in dataset.exported(status=1)
        if max(f.wilson_interesting, f.wilson_boring) >= 0.5
    ]  # fmt: skip
    assert expected and len(expected) < len(dataset.exported(status=1))
    assert _ids(tmp_path, "--label-rule", "wilson:0.5", "--status", "visible") == expected
