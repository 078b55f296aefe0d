"""Who is voting: a voter that a page view handed out, and salted hashes of the client's IP
address and IP prefix, never the IP itself.

A voter has to be someone. An anonymous voter id ("anon:<uuid>") is minted only by a page
view (the gallery, a face, vote mode, a report form) or GET /api/csrf: they hand a visitor
who has none a *voter ticket*, a signed cookie holding a fresh uuid and the time it was
issued. A vote or report takes the voter from the session, else from the ticket (and then
keeps it in the session); a request with neither is refused ("open the page first") and
writes nothing, so a client that sends no cookies cannot be a new voter per request. The
ticket costs no database write: crawlers that never vote leave nothing behind. Where a
voter comes from never makes it count by itself: voting/voters.py caps new voters per IP
prefix and decides when a voter is established.

The IP prefix is what one client can rotate through cheaply: an IPv6 /64 (every IPv6
client has one), an IPv4 /24 (a handful of rented addresses usually share one; a household
has a single address). IPv4-mapped IPv6 addresses count as IPv4.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.core import signing

SESSION_VOTER_KEY = "voter_id"
# When the voter's ticket was issued (epoch seconds); absent from sessions older than tickets.
SESSION_SINCE_KEY = "voter_since"
TICKET_COOKIE = "voter_ticket"
TICKET_SALT = "facegallery.voting.ticket"
TICKET_MAX_AGE = 7 * 24 * 3600  # a tab left open for a week still votes; then reload
IPV4_PREFIX, IPV6_PREFIX = 24, 64
# What tickets and sessions hold: uuid4().hex. Anything else in the session (a NUL-laden
# string was a 500, any 32 characters passed as a voter) is no voter, never used.
_VOTER_ID = re.compile(r"[0-9a-f]{32}")
_TICKET = re.compile(r"([0-9a-f]{32})\.([0-9]{1,12})")


@dataclass(frozen=True)
class VoterIdentity:
    """The voter of a request that may vote, and where it votes from."""

    voter: str  # "user:<id>" or "anon:<uuid>"
    since: datetime | None  # when its ticket was issued; None: an account (vouched for)
    ip_hash: str
    ip_prefix_hash: str
    from_ticket: bool = False  # not in the session yet: voter_identity_keep puts it there


def _session_voter_id(request) -> str | None:
    voter_id = request.session.get(SESSION_VOTER_KEY)
    return voter_id if isinstance(voter_id, str) and _VOTER_ID.fullmatch(voter_id) else None


def _session_since(request) -> datetime:
    since = request.session.get(SESSION_SINCE_KEY)
    if type(since) is not int or not 0 <= since <= time.time():
        since = 0  # a session from before tickets: minted long ago
    return datetime.fromtimestamp(since, UTC)


def voter_if_known(request) -> str | None:
    """The voter whose votes this visitor sees: its account, its session's voter, else its
    ticket's (the lean vote path keeps no session); never writes (cheap reads)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    voter_id = _session_voter_id(request)
    if voter_id is None:
        ticket = _ticket(request)
        voter_id = None if ticket is None else ticket[0]
    return None if voter_id is None else f"anon:{voter_id}"


def _ticket(request) -> tuple[str, datetime] | None:
    """(voter id, issued) of a valid ticket cookie, else None."""
    value = request.get_signed_cookie(
        TICKET_COOKIE, default=None, salt=TICKET_SALT, max_age=TICKET_MAX_AGE
    )
    match = _TICKET.fullmatch(value) if isinstance(value, str) else None
    now = time.time()
    if match is None or not now - TICKET_MAX_AGE <= int(match[2]) <= now + 60:
        return None
    return match[1], datetime.fromtimestamp(int(match[2]), UTC)


def voter_identity(request) -> VoterIdentity | None:
    """The request's voter: an account, the session's voter, else the ticket's; None when
    the visitor has none (its vote must be refused). Writes nothing."""
    ip_hash, prefix_hash = ip_hash_for(request), ip_prefix_hash_for(request)
    if request.user.is_authenticated:
        return VoterIdentity(f"user:{request.user.pk}", None, ip_hash, prefix_hash)
    voter_id = _session_voter_id(request)
    if voter_id is not None:
        return VoterIdentity(f"anon:{voter_id}", _session_since(request), ip_hash, prefix_hash)
    ticket = _ticket(request)
    if ticket is None:
        return None
    return VoterIdentity(f"anon:{ticket[0]}", ticket[1], ip_hash, prefix_hash, from_ticket=True)


def voter_identity_keep(request, identity: VoterIdentity) -> None:
    """After an accepted vote, undo or report: keep a ticket's voter in the session."""
    if identity.from_ticket and identity.since is not None:
        request.session[SESSION_VOTER_KEY] = identity.voter.removeprefix("anon:")
        request.session[SESSION_SINCE_KEY] = int(identity.since.timestamp())


def voter_ticket_cookie(*, issued: float | None = None) -> str:
    """A fresh ticket, signed as the cookie holds it: a new voter id and when it was issued."""
    value = f"{uuid.uuid4().hex}.{int(time.time() if issued is None else issued)}"
    # What HttpResponse.set_signed_cookie writes (and request.get_signed_cookie reads).
    return signing.get_cookie_signer(salt=TICKET_COOKIE + TICKET_SALT).sign(value)


def voter_ticket_issue(request, response) -> None:
    """Hand a visitor who has no voter yet a ticket (a page view's part in voting)."""
    if request.user.is_authenticated or _session_voter_id(request) or _ticket(request):
        return
    response.set_cookie(
        TICKET_COOKIE,
        voter_ticket_cookie(),
        max_age=TICKET_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def salted_hash(value: str) -> str:
    """HMAC-SHA256 with VOTER_HASH_SALT: stable for rate limits and blocks, not reversible."""
    return hmac.new(settings.VOTER_HASH_SALT.encode(), value.encode(), hashlib.sha256).hexdigest()


def ip_hash_for(request) -> str:
    return salted_hash(client_ip(request))


# Every vote hashes its address and prefix; a worker sees the same few addresses again and
# again (keep-alive clients, a proxy's hops), and parsing the prefix costs more than the vote's
# own Python. Keyed by the salt too, so a changed VOTER_HASH_SALT never reads an old hash.
@lru_cache(maxsize=4096)
def _prefix_hash(salt: str, address: str) -> str:
    return hmac.new(salt.encode(), ip_prefix(address).encode(), hashlib.sha256).hexdigest()


def ip_prefix(address: str) -> str:
    """The client's prefix as text ("203.0.113.0/24", "2001:db8:1:2::/64"); an address that
    does not parse is its own prefix."""
    try:
        ip = ipaddress.ip_address(address.strip().split("%")[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def ip_prefix_hash_for(request) -> str:
    return _prefix_hash(settings.VOTER_HASH_SALT, client_ip(request))


def client_ip(request) -> str:
    """The client address; behind a proxy, the last hop it appended (TRUSTED_PROXY_COUNT)."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if len(addresses) >= hops:
            return addresses[-hops]
    return request.META.get("REMOTE_ADDR", "")
