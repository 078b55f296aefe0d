"""/healthz reports the database, Redis and the weights, and answers 200 only when all are ok."""

from __future__ import annotations

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_it_answers_200_when_database_redis_and_model_are_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {
        "database": {"ok": True},
        "redis": {"ok": True},
        "model": {"ok": True},
    }


@pytest.mark.fault("redis-down")
def test_it_answers_503_naming_redis_when_redis_is_unreachable(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is False and checks["redis"]["error"]
    assert checks["database"]["ok"] is True


def test_it_answers_503_naming_the_missing_weights(client, tmp_path):
    (tmp_path / "manifest.json").write_text(
        '{"models": [{"name": "face", "file": "face.gen.json", "url": "x", '
        '"sha256": "00", "size": 1}]}'
    )
    with override_settings(MODELS_DIR=tmp_path):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "fetch_models" in response.json()["checks"]["model"]["error"]


def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405
