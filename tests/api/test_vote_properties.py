"""Property test of the vote API: no input gives a 500 or a wrong write.

Hypothesis throws arbitrary methods, face ids (real, hidden, unknown, absurd) and bodies
(valid labels, junk JSON, wrong types, big strings) at the vote endpoint; after every
request each face's counters must equal its counted vote rows, and only visible faces may have
votes, with valid labels.
"""

from __future__ import annotations

import json

import pytest
from django.db.models import Count, Q
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facegallery.gallery.models import Face, FaceStatus
from facegallery.voting.models import Label, Vote
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
bodies = st.one_of(
    st.sampled_from(["interesting", "boring", "INTERESTING", "", "none"]).map(
        lambda label: json.dumps({"label": label})
    ),
    json_values.map(json.dumps),
    st.dictionaries(st.sampled_from(["label", "reason", "x"]), json_values, max_size=2).map(
        json.dumps
    ),
    st.text(max_size=50),
    st.binary(max_size=50).map(lambda b: b.decode("latin-1")),
)


@pytest.fixture
def world():
    visible = FaceFactory.create_batch(2)
    hidden = FaceFactory.create_batch(1, status=FaceStatus.HIDDEN)
    clients = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        token = client.get("/api/csrf").json()["csrf_token"]
        clients.append((client, {"X-CSRFToken": token}))
    return visible, hidden, clients


def assert_consistent(hidden_ids: set[int]) -> None:
    for face in Face.objects.annotate(
        i=Count(
            "votes", filter=Q(votes__label="interesting", votes__voided=False, votes__counted=True)
        ),
        b=Count("votes", filter=Q(votes__label="boring", votes__voided=False, votes__counted=True)),
    ):
        assert (face.interesting_count, face.boring_count) == (face.i, face.b)
    assert not Vote.objects.filter(face_id__in=hidden_ids).exists()
    assert not Vote.objects.exclude(label__in=Label.values).exists()


@pytest.mark.bad_input("vote API property test (hypothesis)")
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    method=st.sampled_from(["PUT", "DELETE", "POST", "PATCH", "GET"]),
    body=bodies,
)
def test_no_input_gives_a_500_or_a_wrong_write(world, tried, data, method, body):
    visible, hidden, clients = world
    face_id = data.draw(
        st.sampled_from([f.pk for f in visible + hidden])
        | st.integers(min_value=-(2**70), max_value=2**70)
    )
    client, headers = data.draw(st.sampled_from(clients))
    before = Vote.objects.count()
    response = client.generic(
        method, f"/api/faces/{face_id}/vote", body.encode(), "application/json", headers=headers
    )
    tried[response.status_code] += 1
    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert isinstance(response.json()["detail"], str)
        assert Vote.objects.count() == before
    assert_consistent({f.pk for f in hidden})
