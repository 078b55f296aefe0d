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

worker_class = "gthread"
threads = 4  # per worker; each thread holds its own database connection (CONN_MAX_AGE)
workers = 2 * (os.cpu_count() or 1)  # --workers overrides
keepalive = 5  # seconds an idle client connection stays open
backlog = 2048
