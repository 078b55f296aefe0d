"""Votes and reports from visitors."""

from __future__ import annotations

from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "facegallery.voting"
    label = "voting"
