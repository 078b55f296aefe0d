"""The gate every vote and report passes, from the pages and the API alike."""

from __future__ import annotations

from facegallery.voting.identity import VoterIdentity, voter_identity
from facegallery.voting.ratelimit import rate_limit_check
from facegallery.voting.services import VoterUnknown


def voter_identity_checked(request, *, action: str) -> VoterIdentity:
    """The request's voter, within its rate limits for `action` ("vote" or "report").

    Raises VoterUnknown (no session voter nor ticket: nothing may be written) or RateLimited.
    """
    identity = voter_identity(request)
    if identity is None:
        raise VoterUnknown()
    rate_limit_check(
        action=action,
        voter=identity.voter,
        ip_hash=identity.ip_hash,
        ip_prefix_hash=identity.ip_prefix_hash,
    )
    return identity
