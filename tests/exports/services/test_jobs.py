"""Exports from the admin: queued as a Celery task, progress, staff-only downloads."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from facegallery.exports.models import ExportJob
from facegallery.exports.tasks import export_job_run

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/exports/exportjob/add/"


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"
    return settings.EXPORTS_DIR


def _form(**overrides):
    form = {"format": "parquet", "min_votes": "0", "since": "", "until": "", "generator": "",
            "face_status": ["visible", "filtered"], "label_rule": "majority",
            "split": "80/10/10"}  # fmt: skip
    return {**form, **overrides}


def _start(admin_client, django_capture_on_commit_callbacks, **overrides) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(ADD_URL, _form(**overrides))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert len(callbacks) == 1  # the task is queued once the job row is committed
    return ExportJob.objects.get()


def test_an_admin_export_runs_as_a_task_and_offers_its_files(
    dataset, admin_client, django_capture_on_commit_callbacks, exports_dir
):
    job = _start(admin_client, django_capture_on_commit_callbacks, min_votes="2")
    assert job.status == "queued" and job.options["min_votes"] == 2
    change_url = f"/admin/exports/exportjob/{job.pk}/change/"
    assert admin_client.get(change_url).headers["Refresh"]  # progress reloads while it runs
    export_job_run(job.pk)
    job.refresh_from_db()
    expected = [f for f in dataset.exported() if f.total_votes >= 2]
    assert job.status == "done" and job.rows_done == job.rows_total == len(expected)
    assert job.files == ["faces.parquet", "README.md"]
    listing = admin_client.get("/admin/exports/exportjob/").content.decode()
    assert f"{len(expected)} / {len(expected)} (100%)" in listing
    assert "Refresh" not in admin_client.get(change_url).headers
    url = reverse("exports:download", args=[job.pk, "faces.parquet"])
    assert url in listing
    response = admin_client.get(url)
    assert response.status_code == 200
    path = exports_dir / "downloaded.parquet"
    path.write_bytes(b"".join(response.streaming_content))
    assert pq.read_table(path).column("id").to_pylist() == [f.pk for f in expected]


def test_downloads_are_for_staff_only(
    dataset, client, admin_client, django_capture_on_commit_callbacks
):
    job = _start(admin_client, django_capture_on_commit_callbacks)
    export_job_run(job.pk)
    url = reverse("exports:download", args=[job.pk, "README.md"])
    assert client.get(url).status_code == 302  # to the admin login
    user = get_user_model().objects.create_user("visitor", password="x-long-password-1")
    client.force_login(user)
    assert client.get(url).status_code == 302
    assert admin_client.get(url).status_code == 200
    for name in ("secret.txt", "..%2F..%2Fsettings.py"):
        assert admin_client.get(f"/exports/{job.pk}/{name}").status_code == 404
    assert admin_client.get(f"/exports/{job.pk + 1}/README.md").status_code == 404


@pytest.mark.bad_input("malformed export requests")
def test_bad_options_are_shown_on_the_form_and_start_nothing(dataset, admin_client):
    response = admin_client.post(ADD_URL, _form(label_rule="loudest"))
    assert response.status_code == 200
    assert "unknown label rule" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_an_empty_selection_fails_the_job_with_its_reason_and_no_files(
    dataset, admin_client, django_capture_on_commit_callbacks, exports_dir
):
    job = _start(admin_client, django_capture_on_commit_callbacks, min_votes="500")
    export_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "no faces match" in job.error and job.files == []
    assert not (exports_dir / job.folder_name).exists()
    assert "no faces match" in admin_client.get("/admin/exports/exportjob/").content.decode()


def test_a_redelivered_task_does_not_run_the_job_twice(
    dataset, admin_client, django_capture_on_commit_callbacks
):
    job = _start(admin_client, django_capture_on_commit_callbacks)
    export_job_run(job.pk)
    job.refresh_from_db()
    finished = job.finished_at
    export_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.finished_at == finished
