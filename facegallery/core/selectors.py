"""Reads: the state of the weights, the database and Redis, for /healthz and system checks."""

from __future__ import annotations

import logging
from typing import TypedDict

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import Error as DatabaseError

from facegallery.core import weights

logger = logging.getLogger(__name__)


class Check(TypedDict, total=False):
    ok: bool
    error: str


def model_weights_problems() -> list[str]:
    try:
        specs = weights.read_manifest(settings.MODELS_DIR)
    except weights.WeightsError as exc:
        return [str(exc)]
    problems = []
    for spec in specs:
        try:
            weights.verify(spec, settings.MODELS_DIR)
        except weights.WeightsError as exc:
            problems.append(str(exc))
    return problems


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return {"ok": False, "error": str(exc).strip().splitlines()[0]}
    return {"ok": True}


def redis_check() -> Check:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}
    finally:
        client.close()
    return {"ok": True}


def model_check() -> Check:
    problems = model_weights_problems()
    return {"ok": False, "error": "; ".join(problems)} if problems else {"ok": True}


def health_report() -> dict:
    checks = {"database": database_check(), "redis": redis_check(), "model": model_check()}
    healthy = all(check["ok"] for check in checks.values())
    if not healthy:
        logger.warning("unhealthy: %s", {k: v for k, v in checks.items() if not v["ok"]})
    return {"status": "ok" if healthy else "error", "checks": checks}
