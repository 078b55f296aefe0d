"""The moderators' admin: faces and generation settings, votes, reports and blocks, the
report queue, the audit log, the overview page, void jobs and the suspicious-activity page.
One package, so every model admin sits above the apps whose models it shows (the admin
autodiscovers this module)."""

from facegallery.moderation.admin import faces, overview, queue, suspicious, voiding, votes

__all__ = ["faces", "overview", "queue", "suspicious", "voiding", "votes"]
