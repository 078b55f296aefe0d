"""The generation pipeline with real processes: Celery worker and beat, gunicorn, and
PostgreSQL and Redis servers of the test's own that it stops, restarts and kills around."""

from __future__ import annotations

import signal
import time

import pytest

from facegallery.embedded import EmbeddedPostgres
from tests.processes import (
    Processes,
    app_env,
    http_status,
    migrate,
    pool_size,
    set_generation,
    sql,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def processes(tmp_path):
    created: list[Processes] = []

    def make(env) -> Processes:
        created.append(Processes(env, tmp_path))
        return created[-1]

    yield make
    for procs in created:
        procs.stop_all()


def assert_no_partial_or_duplicate_faces(database_url: str) -> None:
    partial = sql(
        database_url,
        """SELECT b.id, b.status, b.generated, count(f.id)
           FROM gallery_generationbatch b
           LEFT JOIN gallery_face f
             ON f.seed >= b.id * 1024 AND f.seed < b.id * 1024 + b.count
            AND f.temperature = b.temperature
           GROUP BY b.id
           HAVING count(f.id) <> CASE WHEN b.status = 2 THEN b.generated ELSE 0 END""",
    )
    assert partial == [], f"batches with partial faces: {partial}"
    duplicates = sql(
        database_url,
        "SELECT generator_id, seed, temperature FROM gallery_face "
        "GROUP BY 1, 2, 3 HAVING count(*) > 1",
    )
    assert duplicates == []


def test_a_real_worker_and_beat_keep_the_pool_at_its_target(
    scratch_database_url, redis_server, processes
):
    env = app_env(scratch_database_url, redis_server.url)
    migrate(env)
    set_generation(scratch_database_url, target_pool_size=96, batch_size=32)
    procs = processes(env)
    procs.worker()
    procs.beat()
    wait_for(lambda: pool_size(scratch_database_url) >= 96, 120, "the pool to fill")
    # Votes consume the pool; the next ticks top it up again.
    sql(scratch_database_url, "UPDATE gallery_face SET boring_count = 1 WHERE id % 3 = 0")
    wait_for(lambda: pool_size(scratch_database_url) >= 96, 60, "the pool to refill")
    time.sleep(3)
    # Bounded: never more than one batch beyond the target.
    assert pool_size(scratch_database_url) < 96 + 32
    assert_no_partial_or_duplicate_faces(scratch_database_url)


@pytest.mark.fault("worker-killed")
def test_a_worker_killed_mid_batch_leaves_no_partial_faces_and_a_restart_tops_up(
    scratch_database_url, redis_server, processes
):
    # DEBUG: the worker's "Task ...face_generate_batch[...] received" line, which says when
    # to kill it, is routine and left out at INFO (facegallery/core/logs.py).
    env = app_env(scratch_database_url, redis_server.url, LOG_LEVEL="DEBUG")
    migrate(env)
    set_generation(
        scratch_database_url,
        target_pool_size=2048,
        batch_size=1024,
        max_batches_in_flight=1,
        batch_lease_seconds=5,
    )
    procs = processes(env)
    procs.worker()
    procs.beat()
    wait_for(lambda: "face_generate_batch[" in procs.log("worker"), 60, "a batch to start")
    time.sleep(1.0)  # a 1024-face batch takes seconds: we are in the middle of it
    procs.kill("worker", signal.SIGKILL)
    interrupted = sql(
        scratch_database_url, "SELECT id FROM gallery_generationbatch WHERE status = 1"
    )
    assert interrupted, "the kill came too late: no batch was in the middle of drawing"
    assert_no_partial_or_duplicate_faces(scratch_database_url)
    procs.worker("worker2")
    wait_for(lambda: pool_size(scratch_database_url) >= 2048, 180, "the pool to be topped up")
    assert_no_partial_or_duplicate_faces(scratch_database_url)


@pytest.mark.fault("redis-down")
def test_with_redis_stopped_the_site_serves_and_generation_resumes_when_it_returns(
    scratch_database_url, redis_server, processes
):
    env = app_env(scratch_database_url, redis_server.url, HTTPS="0", SECRET_KEY="t" * 60)
    migrate(env)
    set_generation(scratch_database_url, target_pool_size=64, batch_size=32)
    procs = processes(env)
    url = procs.web()
    procs.worker()
    procs.beat()
    wait_for(lambda: pool_size(scratch_database_url) >= 64, 120, "the pool to fill")

    redis_server.stop()
    assert http_status(url + "/") == 200
    assert http_status(url + "/healthz") == 503  # honest: Redis is down
    set_generation(scratch_database_url, target_pool_size=128, batch_size=32)
    time.sleep(3)
    assert pool_size(scratch_database_url) < 128  # no broker, no generation

    redis_server.start()
    wait_for(lambda: pool_size(scratch_database_url) >= 128, 120, "generation to resume")
    wait_for(lambda: http_status(url + "/healthz") == 200, 30, "healthz to recover")
    assert_no_partial_or_duplicate_faces(scratch_database_url)


@pytest.mark.fault("postgres-restart")
def test_a_postgres_restart_is_survived_by_web_and_worker(tmp_path, redis_server, processes):
    postgres = EmbeddedPostgres(tmp_path / "pg")
    database_url = postgres.start(database="facegallery")
    try:
        env = app_env(database_url, redis_server.url, HTTPS="0", SECRET_KEY="t" * 60)
        migrate(env)
        set_generation(database_url, target_pool_size=64, batch_size=32)
        procs = processes(env)
        url = procs.web()
        procs.worker()
        procs.beat()
        wait_for(lambda: pool_size(database_url) >= 64, 120, "the pool to fill")
        assert http_status(url + "/healthz") == 200

        postgres.restart()
        statuses = [http_status(url + "/") for _ in range(6)]
        assert statuses == [200] * 6, statuses
        set_generation(database_url, target_pool_size=128, batch_size=32)
        wait_for(lambda: pool_size(database_url) >= 128, 120, "the worker to generate again")
        assert http_status(url + "/healthz") == 200
        assert_no_partial_or_duplicate_faces(database_url)
        procs.stop_all()
    finally:
        postgres.stop()
