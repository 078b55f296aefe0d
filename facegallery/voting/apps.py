"""Votes, reports and blocks: who may vote, how a vote is counted, how fast."""

from __future__ import annotations

from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "facegallery.voting"
    label = "voting"
