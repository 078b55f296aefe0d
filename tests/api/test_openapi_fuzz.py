"""Schemathesis against /api/openapi.json: every operation, valid and invalid inputs.

Each generated request goes through the whole Django stack in-process (WSGI), with a
valid CSRF pair so that the write paths are reached, not just refused. After every
request: no 5xx, the response matches the schema, an error wrote nothing, and every
face's counters still equal its vote rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.db.models import Count, F, Q
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from facegallery.api.main import api
from facegallery.gallery.models import Face
from facegallery.voting.identity import TICKET_COOKIE, voter_ticket_cookie
from facegallery.voting.models import Report, Vote
from tests.factories import FaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.bad_input("OpenAPI fuzz (schemathesis)")]

EXAMPLES_PER_MODE = 100
CSRF_SECRET = "fuzz0fuzz1fuzz2fuzz3fuzz4fuzz5ab"  # 32 characters, as Django's are

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES_PER_MODE
)
schema.config.update(base_url="http://localhost")
# Invalid data may also be refused for its size: a body over API_MAX_BODY_BYTES gets its 413
# before it is parsed (a generated drawing with thousands of points is both at once).
rejection = schema.config.checks.negative_data_rejection
rejection.expected_statuses = [*rejection.expected_statuses, "413"]
known_faces: list[int] = []  # filled per test: generated ids mostly miss, so aim half at these


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not known_faces or not isinstance((path_parameters or {}).get("face_id"), int):
        return st.just(path_parameters)
    aimed = st.sampled_from(known_faces).map(lambda pk: {**path_parameters, "face_id": pk})
    return st.one_of(st.just(path_parameters), aimed)


@pytest.fixture
def faces(settings_for_fuzz) -> Iterator[list[Face]]:
    made = FaceFactory.create_batch(5)
    known_faces[:] = [face.pk for face in made]
    yield made
    known_faces.clear()


@pytest.fixture
def settings_for_fuzz(settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.SECURE_SSL_REDIRECT = False
    settings.VOTE_RATE_PER_VOTER = settings.VOTE_RATE_PER_IP = 10**9  # reach the services
    settings.VOTE_RATE_PER_PREFIX = settings.NEW_VOTERS_PER_PREFIX_HOUR = 10**9
    settings.REPORT_RATE_PER_VOTER = settings.REPORT_RATE_PER_IP = 10**9
    settings.REPORT_RATE_PER_PREFIX = 10**9


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """The production WSGI stack, minus closing the connection after each request (that
    would end the test's transaction; Django's own test client does the same)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield WSGIHandler()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def writes() -> tuple[int, int, int, int]:
    totals = Face.objects.aggregate(
        interesting=Count("pk", filter=Q(interesting_count__gt=0)),
        boring=Count("pk", filter=Q(boring_count__gt=0)),
    )
    return Vote.objects.count(), Report.objects.count(), totals["interesting"], totals["boring"]


def counters_off_by_rows() -> int:
    counted = Face.objects.annotate(
        rows=Count("votes", filter=Q(votes__voided=False, votes__counted=True))
    )
    return counted.exclude(rows=F("interesting_count") + F("boring_count")).count()


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_no_generated_request_gets_a_500_or_a_wrong_write(case, app, faces, tried):
    before = writes()
    response = case.call(
        app=app,
        headers={"X-CSRFToken": CSRF_SECRET},
        # A visitor who has opened a page: its voter ticket (each case a new visitor).
        cookies={"csrftoken": CSRF_SECRET, TICKET_COOKIE: voter_ticket_cookie()},
    )
    tried[response.status_code] += 1
    # A cursor is opaque: only one the server handed out is valid, which no schema can say,
    # so a made-up one may get its 400 even in the "valid input" mode.
    made_up_cursor = bool((case.query or {}).get("cursor"))
    case.validate_response(
        response, excluded_checks=[positive_data_acceptance] if made_up_cursor else None
    )
    if response.status_code >= 400:
        assert writes() == before, f"{response.status_code} changed the database"
        assert "detail" in response.json()
    assert counters_off_by_rows() == 0
