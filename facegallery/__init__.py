"""Face Gallery: a Django site and Celery workers around a sketch-rnn face generator."""

from __future__ import annotations

from facegallery.celery import app as celery_app

__all__ = ["celery_app"]
