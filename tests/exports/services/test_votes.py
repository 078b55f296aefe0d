"""Votes JSONL: one counted vote a line, voters as salted hashes only."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from django.core.management import call_command

from facegallery.voting.identity import salted_hash
from facegallery.voting.models import Vote

pytestmark = pytest.mark.django_db


def test_each_counted_vote_is_a_line_with_a_salted_voter_hash(dataset, tmp_path):
    out = tmp_path / "votes"
    call_command("export_dataset", "--format", "votes", "--out", str(out),
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    text = (out / "votes.jsonl").read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    exported_faces = {f.pk for f in dataset.exported()}
    expected = Vote.objects.filter(voided=False, counted=True, face_id__in=exported_faces).order_by(
        "face_id", "id"
    )
    assert len(lines) == expected.count() > 0
    for line, vote in zip(lines, expected, strict=True):
        assert set(line) == {"face_id", "label", "created", "voter"}
        assert (line["face_id"], line["label"]) == (vote.face_id, vote.label)
        assert datetime.fromisoformat(line["created"]) == vote.created
        assert line["voter"] == salted_hash(f"export:{vote.voter}")
    assert "anon:" not in text and "user:" not in text  # no raw voter strings
    assert salted_hash("anon:spammer") not in text
    assert salted_hash("export:anon:spammer") not in text  # voided votes are left out
    assert salted_hash("export:anon:newcomer") not in text  # and so are pending ones
    ip_hashes = set(Vote.objects.exclude(ip_hash="").values_list("ip_hash", flat=True))
    assert not any(h in text for h in ip_hashes)
