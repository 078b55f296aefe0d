"""WSGI entry point for gunicorn.

The lean vote URL (facegallery/api/lean.py) is answered before the middleware chain: the
view does the checks of it that a JSON vote needs. Everything else goes through Django.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import django
from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.urls import set_urlconf

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facegallery.settings")
django.setup(set_prefix=False)

from facegallery.api.lean import LEAN_VOTE_PATH, vote_lean  # noqa: E402  (after setup)


class Handler(WSGIHandler):
    """Django's handler, with the lean vote URL answered without the middleware chain."""

    def get_response(self, request):
        match = LEAN_VOTE_PATH.fullmatch(request.path_info)
        if match is None:
            return super().get_response(request)
        set_urlconf(settings.ROOT_URLCONF)
        # An exception becomes the site's error answer (a 503 JSON for a lost database).
        response: Any = convert_exception_to_response(partial(vote_lean, face_id=match[1]))(request)
        response._resource_closers.append(request.close)
        return response


application = Handler()
