"""gunicorn settings for the web process; gunicorn reads this file from its working directory.

Command-line flags win over these (the launcher and the Dockerfile pass --bind/--workers).

Threaded workers (gthread) rather than sync ones: a vote spends most of its time waiting on
PostgreSQL (row lock, commit), during which the worker's other threads serve requests; and
gthread keeps HTTP connections alive, while a sync worker closes every connection after one
response (a new TCP handshake for every request from a proxy or a load tester). Measured
on 2 cores (bench/load_gallery.py): 4 workers x 4 threads served about twice the gallery
requests and three times the votes of 4 sync workers.
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

# settings.STATIC_URL, as a path (gunicorn reads this file without Django's settings).
STATIC_PATH = "/static/"


class AccessLogWithoutRoutine(Logger):
    """Access lines for pages and API calls, none for static files (each page view brings
    three or four) or for a /healthz that answered 200 (probes come every few seconds)."""

    def access(self, resp, req, environ, request_time) -> None:
        if req.path.startswith(STATIC_PATH):
            return
        if req.path == "/healthz" and resp.status_code == 200:
            return
        super().access(resp, req, environ, request_time)


logger_class = AccessLogWithoutRoutine
worker_class = "gthread"
threads = 4  # per worker; each thread holds its own database connection (CONN_MAX_AGE)
workers = 2 * (os.cpu_count() or 1)  # --workers overrides
keepalive = 5  # seconds an idle client connection stays open
backlog = 2048
