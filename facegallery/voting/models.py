"""Votes (interesting / boring), reports, and blocks.

A voter is a stable string: "user:<id>" for an account, "anon:<uuid>" for an anonymous
visitor (the uuid comes from the voter ticket a page view hands out and then lives in the
session, so it survives session key rotation; voting/identity.py). IPs are never stored,
only salted hashes of the address and of its prefix (IPv4 /24, IPv6 /64).

Who counts (README "Voting"): an anonymous voter gets a Voter row at its first vote, within
a cap of new voters per IP prefix; it is *fresh* until it has shown a human track record,
then *established*. A vote row always records what was cast; `counted` says whether it is in
the face's counters (and so in the rankings): a fresh voter's votes are pending (neither
counted nor trusted) until it is established; then at most VOTE_COUNTED_PER_FACE_PREFIX
counted votes per face and IP prefix.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Label(models.TextChoices):
    INTERESTING = "interesting", "interesting"
    BORING = "boring", "boring"


# Label.values builds a new list on every read; a vote checks its label against this.
LABEL_VALUES = frozenset(Label.values)


class Vote(models.Model):
    face = models.ForeignKey("gallery.Face", on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64)
    label = models.CharField(max_length=11, choices=Label.choices)
    ip_hash = models.CharField(max_length=64, blank=True)
    # The salted hash of the address's prefix (IPv4 /24, IPv6 /64): what one client can
    # rotate through cheaply, so the caps on influence are per prefix.
    ip_prefix_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Voided by a moderator (spam): kept for the record, excluded from the face's counters,
    # from training and from exports.
    voided = models.BooleanField(default=False)
    voided_at = models.DateTimeField(null=True, blank=True)
    # In the face's counters (and rankings): false while the vote is pending (a fresh
    # voter's), or when the face already had its share of counted votes from this IP prefix
    # when the vote was cast (or its voter was established).
    counted = models.BooleanField(default=True, db_default=True)
    # Cast by an established voter (or an account): see voting/voters.py.
    trusted = models.BooleanField(default=True, db_default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["face", "voter"], name="vote_one_per_voter"),
        ]
        indexes = [
            models.Index(fields=["voter", "-created"], name="vote_by_voter"),
            models.Index(fields=["ip_hash", "-created"], name="vote_by_ip"),
            models.Index(fields=["created"], name="vote_created"),
            # Voiding and the suspicious-activity page by prefix (and time).
            models.Index(fields=["ip_prefix_hash", "-created"], name="vote_by_prefix"),
            # vote_cast's cap: the counted votes of one prefix on one face.
            models.Index(
                fields=["face", "ip_prefix_hash"],
                condition=Q(counted=True, voided=False),
                name="vote_counted_by_prefix",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter} → {self.label} on face #{self.face_id}"


class Report(models.Model):
    """A visitor's report of a face; moderators resolve it (hide the face or dismiss)."""

    class Resolution(models.TextChoices):
        OPEN = "open", "open"
        HIDDEN = "hidden", "face hidden"
        DISMISSED = "dismissed", "dismissed"

    face = models.ForeignKey("gallery.Face", on_delete=models.CASCADE, related_name="reports")
    voter = models.CharField(max_length=64)
    reason = models.CharField(max_length=500, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    resolution = models.CharField(max_length=9, choices=Resolution.choices, default=Resolution.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["face", "voter"], name="report_one_per_voter"),
        ]
        indexes = [
            models.Index(fields=["created"], condition=Q(resolution="open"), name="report_open"),
            # report_create's dedup: one report per face and IP hash.
            models.Index(fields=["face", "ip_hash"], name="report_by_face_ip"),
        ]

    def __str__(self) -> str:
        return f"report on face #{self.face_id} ({self.resolution})"


class Block(models.Model):
    """A voter, an IP hash or an IP prefix hash that may not vote or report."""

    class Kind(models.TextChoices):
        VOTER = "voter", "voter"
        IP_HASH = "ip_hash", "IP hash"
        IP_PREFIX = "prefix", "IP prefix hash"

    kind = models.CharField(max_length=7, choices=Kind.choices)
    value = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="block_unique"),
        ]

    def __str__(self) -> str:
        return f"blocked {self.kind} {self.value}"


class Voter(models.Model):
    """An anonymous voter's track record, from its first vote on (voting/voters.py).

    Accounts ("user:<id>") and voters that a script vouches for have no row: they count as
    established. So do votes cast before these rows existed (a voter's row starts from its
    earlier votes when it comes back).
    """

    key = models.CharField(max_length=64, unique=True, help_text="anon:<uuid>")
    ip_prefix_hash = models.CharField(max_length=64, blank=True, help_text="at its first vote")
    minted_at = models.DateTimeField(help_text="when a page view handed out its ticket")
    first_vote_at = models.DateTimeField()
    last_vote_at = models.DateTimeField()
    votes_cast = models.PositiveIntegerField(default=0)
    # Votes cast within HUMAN_GAP of the voter's previous one (voters.py): a script's pace.
    fast_votes = models.PositiveIntegerField(default=0)
    established_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The cap on new voters per prefix, and the suspicious-activity page.
            models.Index(fields=["ip_prefix_hash", "-first_vote_at"], name="voter_new_by_prefix"),
            models.Index(fields=["-first_vote_at"], name="voter_first_vote"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({'established' if self.established_at else 'fresh'})"
