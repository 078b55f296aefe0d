"""HEAD answers wherever GET does: every URL the resolver knows, for a visitor and for a
superuser, gets the status and headers of a GET and no body (RFC 9110 9.3.2).

The requests go through Django's WSGI handler itself, not the test client: the client drops
a HEAD answer's body on its own, which would hide a body the site sent.
"""

from __future__ import annotations

import pytest
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import StreamingHttpResponse
from django.test import Client, RequestFactory

from tests.factories import FaceFactory, SuperuserFactory
from tests.security.test_csrf_everywhere import served_urls

pytestmark = pytest.mark.django_db

# Differ between any two requests (a clock's second, a page that shows a random face); their
# presence must not.
VOLATILE = {"content-length", "expires", "date"}
_handler: list[WSGIHandler] = []  # one, made on first use (it loads the middleware)


def call(method: str, url: str, cookies: str = "") -> tuple[int, dict[str, str], bytes]:
    """One request through the handler's middleware chain: status, headers (lower-case, with
    the names of the cookies set), body. Not closed: closing ends the request, which would
    close the test's database connection."""
    path, _, query = url.partition("?")
    environ = RequestFactory().generic(method, path, QUERY_STRING=query).environ
    if cookies:
        environ["HTTP_COOKIE"] = cookies
    if not _handler:
        _handler.append(WSGIHandler())
    response = _handler[0].get_response(WSGIRequest(environ))
    if isinstance(response, StreamingHttpResponse):
        body = response.getvalue()  # b"".join(streaming_content)
    else:
        body = b"".join(response)
    headers = {name.lower(): value for name, value in response.items()}
    if response.cookies:
        headers["set-cookie"] = ",".join(sorted(response.cookies))
    return response.status_code, headers, body


def comparable(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("…" if k in VOLATILE else v) for k, v in headers.items()}


@pytest.fixture
def superuser_cookies() -> str:
    client = Client()
    client.force_login(SuperuserFactory.create())
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())


def test_head_gets_what_get_gets_without_the_body_on_every_url(superuser_cookies, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    face = FaceFactory.create(interesting_count=1)
    urls = served_urls(face.pk)
    assert "/healthz" in urls and "/api/vote/next" in urls and len(urls) > 100
    different, with_body, answered = [], [], set()
    for who, cookies in (("visitor", ""), ("superuser", superuser_cookies)):
        for url in urls:
            get_status, get_headers, _ = call("GET", url, cookies)
            head_status, head_headers, head_body = call("HEAD", url, cookies)
            answered.add(get_status)
            get_seen, head_seen = comparable(get_headers), comparable(head_headers)
            if (head_status, head_seen) != (get_status, get_seen):
                keys = get_seen.keys() | head_seen.keys()
                changed = {k: (get_seen.get(k), head_seen.get(k)) for k in keys}
                changed = {k: pair for k, pair in changed.items() if pair[0] != pair[1]}
                different.append(f"{who} {url}: GET {get_status}, HEAD {head_status}; {changed}")
            if head_body:
                with_body.append(f"{who} HEAD {url} -> {len(head_body)} bytes")
    assert different == [], "\n".join(different)
    assert with_body == [], "\n".join(with_body)
    assert 200 in answered  # the walk reached real pages, not only refusals


@pytest.mark.parametrize("url", ["/healthz", "/", "/api/vote/next", "/api/faces", "/api/docs"])
def test_head_of_the_probed_urls_is_200_with_the_length_get_would_have(url):
    FaceFactory.create()
    status, headers, body = call("HEAD", url)
    assert status == 200 and body == b""
    assert int(headers.get("content-length", "0")) > 0 or url == "/api/vote/next"
