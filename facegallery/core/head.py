"""HEAD answers wherever GET does: the same status and headers, no body (RFC 9110 9.3.2).

Django's require_GET and django-ninja's GET operations refuse HEAD with a 405, so load
balancers, uptime probes and link checkers that ask HEAD /healthz or HEAD of a page were
told the page does not exist for them. Rather than every view and route listing HEAD (and a
view added later forgetting it), this middleware, first in MIDDLEWARE, runs a HEAD request
through everything below it as a GET and drops the body on the way out. The headers stay
those of the GET (Content-Length included: CommonMiddleware sets it below us).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


class HeadAsGetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        if response.streaming:
            # A file stays in the response's closers: the server's close() releases it.
            response.streaming_content = iter(())  # type: ignore[attr-defined]
        else:
            response.content = b""  # type: ignore[attr-defined]
        return response
