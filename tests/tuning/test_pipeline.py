"""A candidate version in the real pipeline: beat's tick assigns the batches to it, a real
Celery worker draws them with its weights, and every face records the version that drew it."""

from __future__ import annotations

import json

import psycopg
import pytest

from facegallery.core.decoders import decoder_get, weight_spec
from tests.processes import Processes, app_env, migrate, set_generation, sql, wait_for
from tests.tuning.conftest import tuned_artifact

pytestmark = pytest.mark.slow


def candidate_insert(database_url: str) -> int:
    """The face decoder's row and a tuned version of it in a rollout that draws every batch,
    as rollout_start leaves them; returns the version's id."""
    spec = weight_spec("face")
    rails = json.dumps({"rails": {"passed": True, "checks": []}})
    with psycopg.connect(database_url, autocommit=True) as conn:
        base = conn.execute(
            "INSERT INTO gallery_generatormodel (name, sha256, scale_factor, created) "
            "VALUES ('face', %s, %s, now()) RETURNING id",
            (spec.sha256, decoder_get("face").scale_factor),
        ).fetchone()
        assert base is not None
        row = conn.execute(
            "INSERT INTO gallery_generatorversion (version, base_id, artifact, method, config, "
            "votes_seen, pairs, metrics, status, rollout_share, note, seconds, created) "
            "VALUES (1, %s, %s, 'dpo', '{}', 0, 0, %s, 3, 1.0, '', 0, now()) RETURNING id",
            (base[0], tuned_artifact(), rails),
        ).fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO tuning_rollout (candidate_id, started_at, arms) VALUES (%s, now(), '{}')",
            (row[0],),
        )
        return row[0]


def test_a_real_worker_draws_the_candidates_batches_with_it_and_records_it_on_the_faces(
    scratch_database_url, redis_server, tmp_path
):
    env = app_env(scratch_database_url, redis_server.url)
    migrate(env)
    set_generation(scratch_database_url, target_pool_size=8, batch_size=8, max_batches_in_flight=1)
    version_id = candidate_insert(scratch_database_url)
    procs = Processes(env, tmp_path)
    try:
        procs.worker()
        procs.beat()
        faces = "SELECT count(*) FROM gallery_face"
        wait_for(lambda: sql(scratch_database_url, faces)[0][0] >= 8, 180, "a batch of faces")
    finally:
        procs.stop_all()
    drawn_by = sql(
        scratch_database_url,
        "SELECT DISTINCT f.generator_version_id, b.generator_version_id FROM gallery_face f "
        "JOIN gallery_generationbatch b ON f.seed / 1024 = b.id",
    )
    assert drawn_by == [(version_id, version_id)]
