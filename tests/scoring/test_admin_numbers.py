"""Scorer versions in the admin show their metrics with 3 decimals, not a float's 16."""

from __future__ import annotations

import pytest
from django.urls import reverse

from facegallery.scoring.models import ScorerVersion

LONG = {"auc": 0.6123456789, "incumbent_auc": 0.5987654321, "log_loss": 0.6801234567}


@pytest.fixture
def version(db) -> ScorerVersion:
    return ScorerVersion.objects.create(
        version=7, artifact=b"-", config={}, calibration_error=0.0412345678, seconds=12.3456,
        training_faces=400, holdout_faces=100, votes_seen=500, **LONG,
    )  # fmt: skip


def assert_rounded(page: str) -> None:
    for text in ("0.612", "0.599", "0.680", "0.041"):
        assert f">{text}<" in page
    for value in (*LONG.values(), 0.0412345678):
        assert str(value) not in page


def test_the_versions_list_rounds_the_metrics(admin_client, version):
    response = admin_client.get(reverse("admin:scoring_scorerversion_changelist"))
    assert response.status_code == 200
    assert_rounded(response.text)


def test_a_versions_page_rounds_the_metrics_and_the_training_time(admin_client, version):
    response = admin_client.get(reverse("admin:scoring_scorerversion_change", args=[version.pk]))
    assert response.status_code == 200
    assert_rounded(response.text)
    assert "12.3 s" in response.text and "12.3456" not in response.text
