"""backup_database and restore_database round-trip the data (the documented procedure)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import manage
from tests.processes import app_env, migrate, sql

pytestmark = pytest.mark.slow


def test_a_backup_restores_every_face_and_vote(scratch_database_url, tmp_path):
    env = app_env(scratch_database_url, os.environ["REDIS_URL"])
    migrate(env)
    result = manage("generate_faces", "--count", "6", env=env)
    assert result.returncode == 0, result.stderr
    sql(
        scratch_database_url,
        "INSERT INTO voting_vote (face_id, voter, label, ip_hash, created, updated, voided) "
        "SELECT id, 'anon:backup', 'interesting', '', now(), now(), false FROM gallery_face",
    )
    fingerprint = (
        "SELECT md5(string_agg(f.id || ':' || encode(f.strokes, 'hex') || ':' || "
        "coalesce(v.label, ''), ',' ORDER BY f.id)) FROM gallery_face f "
        "LEFT JOIN voting_vote v ON v.face_id = f.id"
    )
    before = sql(scratch_database_url, fingerprint)

    dump = tmp_path / "facegallery.dump"
    backup = manage("backup_database", "--out", str(dump), env=env)
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0 and not (tmp_path / "facegallery.dump.partial").exists()

    sql(scratch_database_url, "DELETE FROM voting_vote")
    sql(scratch_database_url, "DELETE FROM gallery_face")
    refused = manage("restore_database", "--from", str(dump), env=env)
    assert refused.returncode != 0 and "--yes" in refused.stderr
    restore = manage("restore_database", "--from", str(dump), "--yes", env=env)
    assert restore.returncode == 0, restore.stderr
    assert sql(scratch_database_url, fingerprint) == before


def test_a_backup_into_a_missing_folder_is_one_clear_error(scratch_database_url, tmp_path):
    env = app_env(scratch_database_url, os.environ["REDIS_URL"])
    result = manage("backup_database", "--out", str(tmp_path / "nope" / "x.dump"), env=env)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "is not a folder" in result.stderr
