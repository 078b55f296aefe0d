"""Celery tasks of voting: interfaces that take ids and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="voting.voter_votes_vouch",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def voter_votes_vouch_task(voter: str) -> None:
    # Idempotent (it touches only votes still untrusted), so a retry or a second delivery
    # after a lost worker is harmless.
    from facegallery.voting.services import voter_votes_vouch

    voter_votes_vouch(voter=voter)
