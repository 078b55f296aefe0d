"""Fixtures: fast face rows and fresh rate-limit state for every test."""

from __future__ import annotations

from tests.voting.faces import fresh_rate_limits  # noqa: F401 - autouse fixture
