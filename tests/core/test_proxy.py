"""The deployment's nginx (deploy/nginx/templates/, as docker-compose mounts it) in front of a
real gunicorn with the production settings (HTTPS=1, TRUSTED_PROXY_COUNT=1), on loopback
with a self-signed certificate: slow clients wait in nginx while /healthz keeps answering,
and the address the site records is the one nginx saw, whatever X-Forwarded-For a client
writes. The same attacks sent to gunicorn directly show what the proxy is for."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import urllib3
from django.conf import settings

from bench.proxy import Proxy, free_port, nginx_binary, start_nginx
from bench.slowloris import Probe, SlowClients, probe
from facegallery.voting.models import Vote
from tests.conftest import REPO_ROOT
from tests.factories import FaceFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SALT = "proxy-test-salt"
SLOW_CLIENTS = 64
GUNICORN_THREADS = 4  # one worker: what a handful of slow clients can fill


def salted(address: str) -> str:
    return hmac.new(SALT.encode(), address.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def gunicorn() -> Iterator[int]:
    """gunicorn with the production settings on the test database, as compose runs it."""
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (make test installs Debian's nginx-light)")
    port = free_port()
    database = urlsplit(os.environ["DATABASE_URL"])._replace(
        path="/" + settings.DATABASES["default"]["NAME"]
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="facegallery.settings", DEBUG="0",
               HTTPS="1", TRUSTED_PROXY_COUNT="1", VOTER_HASH_SALT=SALT,
               SECRET_KEY="proxy-test-secret-key-0123456789-0123456789",
               ALLOWED_HOSTS="localhost,127.0.0.1", LOG_LEVEL="WARNING",
               DATABASE_URL=urlunsplit(database))  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "facegallery.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", str(GUNICORN_THREADS), "--log-level", "warning"],
        cwd=REPO_ROOT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while probe(f"http://127.0.0.1:{port}/healthz", timeout=2).status != 200:
            assert time.monotonic() < deadline, "gunicorn did not become healthy"
            assert server.poll() is None, "gunicorn exited"
            time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def proxy(gunicorn, tmp_path) -> Iterator[Proxy]:
    started = start_nginx(gunicorn, tmp_path / "nginx")
    yield started
    started.stop()


def test_slow_clients_hold_gunicorn_directly_but_not_behind_the_proxy(gunicorn, proxy):
    direct = f"http://127.0.0.1:{gunicorn}/healthz"
    with SlowClients("127.0.0.1", gunicorn, SLOW_CLIENTS):
        time.sleep(1.5)  # every thread is now waiting for the rest of a header
        starved = probe(direct, timeout=3)
    assert starved.status == 0, "the control failed: gunicorn answered despite slow clients"
    deadline = time.monotonic() + 30
    while probe(direct, timeout=2).status != 200:  # freed as the slow sockets close
        assert time.monotonic() < deadline

    with SlowClients("127.0.0.1", proxy.http_port, SLOW_CLIENTS) as slow:
        time.sleep(1.5)
        answers: list[Probe] = []
        while slow.held == SLOW_CLIENTS and len(answers) < 12:
            answers.append(probe(proxy.https_url + "/healthz", timeout=5))
            answers.append(probe(proxy.http_url + "/healthz", timeout=5))
            time.sleep(0.5)
        assert len(answers) >= 8, "nginx cut the slow clients sooner than expected"
        assert all(a.status == 200 for a in answers), answers
        assert max(a.seconds for a in answers) < 2.5, answers  # a busy machine, not a queue
        # client_header_timeout (10 s): nginx hangs up on every one of them.
        deadline = time.monotonic() + 25
        while slow.held and time.monotonic() < deadline:
            time.sleep(0.5)
        assert slow.held == 0
        assert min(slow.closed_at.values()) >= 9 and max(slow.closed_at.values()) <= 20


def test_head_of_healthz_through_the_proxy_is_200_without_a_body(proxy):
    assert probe(proxy.https_url + "/healthz", method="HEAD").status == 200
    assert probe(proxy.http_url + "/", method="GET").status == 301  # to HTTPS


def vote(base: str, face_id: int, forwarded_for: str, *, direct: bool) -> None:
    """A new visitor (cookies from GET /api/csrf) votes, claiming to be `forwarded_for`."""
    headers = {"X-Forwarded-For": forwarded_for}
    if direct:  # what a client that reaches gunicorn itself can also write
        headers["X-Forwarded-Proto"] = "https"
    session = requests.Session()
    csrf = session.get(f"{base}/api/csrf", headers=headers, verify=False, timeout=10)
    assert csrf.status_code == 200, csrf.text
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    headers.update(Cookie=cookies, Referer="https://localhost/", Host="localhost",
                   **{"X-CSRFToken": csrf.json()["csrf_token"]})  # fmt: skip
    put = requests.put(f"{base}/api/faces/{face_id}/vote", json={"label": "interesting"},
                       headers=headers, verify=False, timeout=10)  # fmt: skip
    assert put.status_code == 200, put.text


def test_the_site_records_the_address_nginx_saw_not_the_one_a_client_claims(gunicorn, proxy):
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    face = FaceFactory.create()
    for i in range(3):
        vote(proxy.https_url, face.pk, f"203.0.113.{i}", direct=False)
    assert set(Vote.objects.values_list("ip_hash", flat=True)) == {salted("127.0.0.1")}

    # The reason gunicorn must not be published: reached directly, it believes the header.
    Vote.objects.all().delete()
    vote(f"http://127.0.0.1:{gunicorn}", face.pk, "198.51.100.7", direct=True)
    assert set(Vote.objects.values_list("ip_hash", flat=True)) == {salted("198.51.100.7")}
