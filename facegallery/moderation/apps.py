"""Moderation in the Django admin: roles, queue, audit."""

from __future__ import annotations

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "facegallery.moderation"
    label = "moderation"
