"""The moderators' admin: faces and generation settings, votes, reports and blocks, the
report queue and the audit log. One package, so every model admin sits above the apps whose
models it shows (the admin autodiscovers this module)."""

from facegallery.moderation.admin import faces, queue, votes

__all__ = ["faces", "queue", "votes"]
