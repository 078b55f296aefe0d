"""The session engine: Django's database sessions, minus keys Django could never have issued;
and the clearing of expired sessions (a beat task, facegallery/core/tasks.py).

Django only asks a session key for 8 characters or more, so a cookie such as
sessionid="abcdefgh\\000" (the octal escape unquotes to NUL) reached the session query, and
PostgreSQL refuses NUL in text: a 500 on every page for whoever sends it. Keys Django issues
are 32 characters of VALID_KEY_CHARS and the column holds 40; any other key is no session.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils import timezone

_KEY_CHARS = frozenset(VALID_KEY_CHARS)


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return bool(key) and 8 <= len(key) <= 40 and _KEY_CHARS.issuperset(key)


def session_clear_expired() -> int:
    """Delete the expired session rows (what `manage.py clearsessions` does); how many went.

    Django never deletes a session row by itself: without this, every visitor who voted once
    leaves a row behind for good. One DELETE by the expire_date index.
    """
    deleted, _ = (
        SessionStore.get_model_class().objects.filter(expire_date__lt=timezone.now()).delete()
    )
    return deleted
