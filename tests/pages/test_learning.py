"""The "Is it learning?" page: the loop in charts and versions, samples of what the filter
let through and held back, and the visitor's own votes in it; shared data, personal HTML."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from facegallery.gallery.models import FaceStatus
from facegallery.pages import learning
from facegallery.voting.models import Vote
from tests.factories import FaceFactory, VoteFactory
from tests.scoring.test_learning_selectors import scorer_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_learning_cache():
    learning.learning_cache_clear()
    yield
    learning.learning_cache_clear()


def x_labels(html: str, chart_id: str) -> list[str]:
    chart = html.split(f'id="{chart_id}"')[1].split("</svg>")[0]
    return re.findall(r'<text class="tick" x="[\d.]+" y="\d+" text-anchor="middle">([^<]+)<', chart)


def test_before_any_scorer_the_page_says_every_face_is_shown(client):
    FaceFactory.create_batch(2)
    response = client.get("/learning")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No filter is trained yet" in html
    assert 'id="chart-auc"' not in html
    assert "sessionid" not in response.cookies  # reading the page starts no session


def test_the_charts_and_the_list_tell_each_version_and_why(client):
    unfiltered = FaceFactory.create()  # shown before any filter
    VoteFactory.create(face=unfiltered, label="boring")
    scorer_row(1, promoted=True, is_active=False, note="first version", auc=0.61)
    scorer_row(2, promoted=False, note="worse than v1 on the held-out faces", auc=0.55)
    scorer_row(3, is_active=True, auc=0.7, incumbent_version=1, incumbent_auc=0.6)
    shown = FaceFactory.create(scorer_version=3)
    VoteFactory.create(face=shown, label="interesting")
    html = client.get("/learning").content.decode()
    assert x_labels(html, "chart-share") == ["none", "v1", "v2", "v3"]
    assert x_labels(html, "chart-auc") == ["v1", "v2", "v3"]
    assert ">100%<" in html.split('id="chart-share"')[1]  # v3's shown faces: all interesting
    assert "worse than v1 on the held-out faces" in html
    assert "AUC 0.70 against 0.60 for v1" in html
    assert html.index(">v3</strong>") < html.index(">v1</strong>")  # newest first
    assert "<dd>2</dd>" in html  # votes so far


def test_samples_show_what_the_active_filter_let_through_and_held_back_but_no_hidden_face(
    client,
):
    scorer_row(1, is_active=True)
    shown = FaceFactory.create_batch(2, scorer_version=1)
    held = FaceFactory.create_batch(3, scorer_version=1, status=FaceStatus.FILTERED)
    FaceFactory.create(scorer_version=1, status=FaceStatus.HIDDEN)
    html = client.get("/learning").content.decode()
    let_through = html.split("<h3>Let through</h3>")[1].split("</ul>")[0]
    held_back = html.split('<ul class="thumbs held">')[1].split("</ul>")[0]
    assert re.findall(r'href="/faces/(\d+)"', let_through) == [str(f.pk) for f in shown[::-1]]
    assert held_back.count("<svg") == len(held)
    assert "/faces/" not in held_back  # held-back faces have no page to link to


def test_a_voter_sees_how_many_of_their_votes_went_into_the_filter(client):
    faces = FaceFactory.create_batch(3)
    for face in faces:
        client.post(f"/faces/{face.pk}/vote", {"label": "interesting"})
    scorer = scorer_row(1, is_active=True)
    Vote.objects.update(created=scorer.created - timedelta(minutes=5))
    mine = client.get("/learning").content.decode()
    assert "<strong>3</strong> of your votes went into the filter in use now (v1)" in mine
    stranger = Client().get("/learning").content.decode()
    assert "You have not voted yet" in stranger
    assert "of your votes went into" not in stranger


def test_a_vote_after_training_is_waiting_for_the_next_version(client):
    scorer_row(1, is_active=True, votes_seen=0)
    face = FaceFactory.create()
    client.post(f"/faces/{face.pk}/vote", {"label": "boring"})
    html = client.get("/learning").content.decode()
    assert "None of your votes are in the filter in use now (v1)" in html
    assert "1 vote since v1 was trained" in html
