"""What a moderator may open, written out by hand from what moderation needs (never read
from the Moderators group), so that a permission granted by mistake fails the tests."""

from __future__ import annotations

# (app_label, model_name) a moderator may open; every other admin list must answer 403.
MODERATOR_MAY_VIEW = {
    ("gallery", "face"),
    ("voting", "vote"),
    ("voting", "report"),
    ("voting", "block"),
    ("moderation", "reportedface"),
    ("moderation", "moderationevent"),
    ("moderation", "voidjob"),
    ("moderation", "suspiciousactivity"),
}
