"""Finish my drawing through the real pipeline: gunicorn takes the drawing, a real Celery
worker draws it, the status URL shows the faces. Prints what it measured (the POST's time
and the time until the faces landed) for the README's figures."""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.generation.test_tasks import processes  # noqa: F401 - the fixture
from tests.processes import app_env, migrate, sql, wait_for

pytestmark = pytest.mark.slow

POLYLINES = [[[300, 500], [360, 460], [450, 470], [490, 550]], [[460, 480]]]
DRAWING = [[0, 0, 0], [60, -40, 0], [90, 10, 0], [40, 80, 1], [-30, -70, 1]]  # as stroke-3


def test_a_drawing_posted_to_the_site_is_finished_by_a_real_worker(
    scratch_database_url,
    redis_server,
    processes,  # noqa: F811
):
    env = app_env(scratch_database_url, redis_server.url, HTTPS="0", SECRET_KEY="t" * 60)
    migrate(env)
    procs = processes(env)
    url = procs.web()
    procs.worker()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path: str) -> dict:
        with opener.open(url + path, timeout=10) as response:
            return json.load(response)

    token = get("/api/csrf")["csrf_token"]  # the CSRF cookie and the voter ticket
    get("/api/faces")  # warm the web worker up: the POST below should time the POST alone
    request = urllib.request.Request(
        url + "/api/drawings",
        data=json.dumps({"strokes": POLYLINES}).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": token, "Referer": url},
        method="POST",
    )
    started = time.perf_counter()
    with opener.open(request, timeout=10) as response:
        posted = time.perf_counter() - started
        assert response.status == 202
        queued = json.load(response)
    wait_for(lambda: get(queued["status_url"])["done"], 60, "the worker to draw the faces")
    landed = time.perf_counter() - started
    status = get(queued["status_url"])
    assert len(status["faces"]) == queued["count"]
    assert all(face["strokes"][: len(DRAWING)] == DRAWING for face in status["faces"])
    origins = sql(scratch_database_url, "SELECT DISTINCT origin FROM gallery_face")
    assert origins == [(3,)]  # visitor primed, and nothing else drawn (no beat: no top-up)
    # A second drawing: the first POST of a process also opens its Redis and broker links.
    started = time.perf_counter()
    with opener.open(request, timeout=10) as response:
        again = time.perf_counter() - started
        assert response.status == 202
    print(
        f"\nPOST /api/drawings: {posted * 1000:.0f} ms (then {again * 1000:.0f} ms); "
        f"all faces landed after {landed:.2f} s"
    )
    assert again < 1.0  # generous on a busy 2-core machine; typically tens of ms

    # "More like this" on one of those faces: the face page's form, then its batch.
    face_id = status["faces"][0]["id"]
    with opener.open(f"{url}/faces/{face_id}", timeout=10) as response:
        html = response.read().decode()
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert form_token
    started = time.perf_counter()
    refusing = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirects())
    with pytest.raises(urllib.error.HTTPError) as redirect:
        refusing.open(
            urllib.request.Request(
                f"{url}/faces/{face_id}/more",
                data=urllib.parse.urlencode({"csrfmiddlewaretoken": form_token[1]}).encode(),
                headers={"Referer": f"{url}/faces/{face_id}"},
            ),
            timeout=10,
        )
    more_posted = time.perf_counter() - started
    assert redirect.value.code == 303
    batch_id = int(redirect.value.headers["Location"].rsplit("/", 1)[1])
    wait_for(lambda: get(f"/api/drawings/{batch_id}")["done"], 60, "more like this")
    more_landed = time.perf_counter() - started
    print(
        f"POST /faces/{face_id}/more: {more_posted * 1000:.0f} ms; landed after {more_landed:.2f} s"
    )
    primed_from = sql(
        scratch_database_url, "SELECT DISTINCT primed_from_id FROM gallery_face WHERE origin = 2"
    )
    assert primed_from == [(face_id,)]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 comes back as an HTTPError: its time is the POST's alone
