"""simulate_voters: bad input is a one-line error and changes nothing; a seed repeats a run."""

from __future__ import annotations

import io
import json
import random

import pytest
import torch
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


def test_a_bad_mixed_population_is_refused():
    with pytest.raises(CommandError, match="two tastes"):
        call_command("simulate_voters", "--votes", "10", "--taste", "mixed:top")


def _run(tmp_path, name: str, *args: str) -> dict:
    path = tmp_path / f"{name}.json"
    call_command(
        "simulate_voters",
        "--votes", "120", "--round-votes", "60", "--measure-draws", "64",
        "--taste", "mixed:top+sides", "--json", str(path), *args,
        stdout=io.StringIO(),
    )  # fmt: skip
    return json.loads(path.read_text())


@pytest.fixture
def one_torch_thread():
    # Two sampler threads on two busy cores draw about ten times slower than one.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_a_seed_repeats_a_run_exactly_and_another_seed_does_not(
    generator, settings, tmp_path, one_torch_thread
):
    settings.SCORER_MIN_TRAINING_FACES = 40  # a scorer after the first 60 votes: admission runs
    random.seed(12345)
    before = random.getstate()
    both = _run(tmp_path, "both", "--seed", "1", "--seeds", "2")
    again = _run(tmp_path, "again", "--seed", "1")
    assert random.getstate() == before  # the run's seeding of `random` does not leak
    first, second = both["runs"]
    assert (first["seed"], second["seed"], again["runs"][0]["seed"]) == (1, 2, 1)
    assert again["runs"][0] == first
    assert second["rounds"] != first["rounds"]
    rounds = first["rounds"]
    assert [r["votes"] for r in rounds] == [60, 120]
    assert rounds[0]["admitted_share"] == 1.0  # no scorer yet: every draw shown
    assert not rounds[0]["filtered"]
    assert [r["candidate"] for r in rounds] == [1, 2]
    assert all(isinstance(r["promoted"], bool) and r["reason"] for r in rounds)
    assert [s["taste"] for s in first["final"]] == ["top", "sides"]
    assert first["final"][0]["drawn"] == 64
    assert set(both["median_gap_closed"]) == {"top", "sides"}
