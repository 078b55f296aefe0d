"""Downloads of finished exports: staff who may see export jobs in the admin."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from facegallery.exports.services.jobs import export_job_file


@require_GET
@staff_member_required
@permission_required("exports.view_exportjob", raise_exception=True)
def export_download(request, job_id: int, name: str):
    path = export_job_file(job_id=job_id, name=name)
    if path is None:
        raise Http404("no such export file")
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
