"""simulate_voters: bad input is a one-line error and changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from facegallery.gallery.models import Face
from facegallery.voting.services import vote_cast
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_taste_is_refused_with_the_choices():
    with pytest.raises(CommandError, match="many-strokes"):
        call_command("simulate_voters", "--votes", "10", "--taste", "likes-cats")
    assert not Face.objects.exists()


@pytest.mark.parametrize("args", [["--votes", "0"], ["--votes", "5", "--noise", "0.7"]])
def test_out_of_range_numbers_are_refused(args):
    with pytest.raises(CommandError):
        call_command("simulate_voters", "--taste", "asymmetric", *args)


def test_it_refuses_a_database_that_already_has_votes():
    faces = FaceFactory.create_batch(3)
    vote_cast(face_id=faces[0].pk, voter="anon:real", label="interesting")
    count = Face.objects.count()
    with pytest.raises(CommandError, match="scratch"):
        call_command("simulate_voters", "--votes", "10", "--taste", "round-eyes")
    assert Face.objects.count() == count
