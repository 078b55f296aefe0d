"""generate_faces back-fills with a progress bar and a throughput line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from facegallery.gallery.models import Face

pytestmark = pytest.mark.django_db


def test_it_lands_the_requested_faces_and_reports_throughput(generation_settings):
    out = io.StringIO()
    call_command("generate_faces", "--count", "10", "--batch-size", "4", stdout=out)
    assert Face.objects.count() == 10
    assert "10 faces drawn, 10 admitted" in out.getvalue()
    assert "faces/s" in out.getvalue()


@pytest.mark.bad_input("command-line arguments (generate_faces, export_dataset)")
@pytest.mark.parametrize(
    "args",
    [
        ["--count", "0"],
        ["--count", "5", "--batch-size", "2000"],
        ["--count", "5", "--temperature", "-1"],
    ],
)
def test_bad_arguments_are_one_clear_error_and_write_nothing(args, generation_settings):
    with pytest.raises(CommandError):
        call_command("generate_faces", *args, stdout=io.StringIO())
    assert Face.objects.count() == 0
