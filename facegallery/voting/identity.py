"""Who is voting: a stable voter string and a salted IP hash, never the IP itself."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

from django.conf import settings

SESSION_VOTER_KEY = "voter_id"
# What voter_for stores: uuid4().hex. Anything else in the session (a NUL-laden string was a
# 500, any 32 characters passed as a voter) is replaced by a fresh id, never used.
_VOTER_ID = re.compile(r"[0-9a-f]{32}")


def _session_voter_id(request) -> str | None:
    voter_id = request.session.get(SESSION_VOTER_KEY)
    return voter_id if isinstance(voter_id, str) and _VOTER_ID.fullmatch(voter_id) else None


def voter_for(request) -> str:
    """ "user:<id>" for an account, else "anon:<uuid>" kept in the session."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    voter_id = _session_voter_id(request)
    if voter_id is None:
        voter_id = uuid.uuid4().hex
        request.session[SESSION_VOTER_KEY] = voter_id
    return f"anon:{voter_id}"


def voter_if_known(request) -> str | None:
    """The voter if this visitor has one already; never starts a session (cheap reads)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    voter_id = _session_voter_id(request)
    return None if voter_id is None else f"anon:{voter_id}"


def salted_hash(value: str) -> str:
    """HMAC-SHA256 with VOTER_HASH_SALT: stable for rate limits and blocks, not reversible."""
    return hmac.new(settings.VOTER_HASH_SALT.encode(), value.encode(), hashlib.sha256).hexdigest()


def ip_hash_for(request) -> str:
    return salted_hash(client_ip(request))


def client_ip(request) -> str:
    """The client address; behind a proxy, the last hop it appended (TRUSTED_PROXY_COUNT)."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if len(addresses) >= hops:
            return addresses[-hops]
    return request.META.get("REMOTE_ADDR", "")
