"""Moderation in the Django admin: every model admin of faces and votes, roles, the report
queue, the audit log."""

from __future__ import annotations

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "facegallery.moderation"
    label = "moderation"

    def ready(self) -> None:
        # django-axes 8.3.1's "clean up expired attempts" action reads an attribute that
        # only its login handler sets: a 500 for everyone who ran it (and it ignored the
        # selection). Expired attempts are cleaned at every login anyway. By now the admin
        # app (listed before us) has autodiscovered axes' admin module.
        from axes.admin import AccessAttemptAdmin
        from axes.models import AccessAttempt
        from django.contrib import admin

        class AccessAttemptAdminWithoutCleanup(AccessAttemptAdmin):
            actions: list[str] = []

        if admin.site.is_registered(AccessAttempt):
            admin.site.unregister(AccessAttempt)
            admin.site.register(AccessAttempt, AccessAttemptAdminWithoutCleanup)
