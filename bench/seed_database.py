"""Seed a database with many faces and votes for the load, admin and export benchmarks.

    python -m bench.seed_database --faces 1000000 --votes 5000000 [--templates 2048]

Faces are copies of real generated drawings (`--templates` of them, drawn first if the
database has fewer) under fresh seeds, so strokes have the real size distribution. Votes
come from 100,000 simulated voters, one vote per (face, voter), with a per-face taste so
the ranking columns spread out. Counters and ranking columns are then recomputed from the
vote rows in SQL, exactly as vote_cast keeps them. Runs against DATABASE_URL.
"""

from __future__ import annotations

import argparse
import time

from bench.common import django_setup, table, write_results

SEED_BASE = 10**12  # far above any batch seed (batch id × 1024)
VOTERS = 100_000

# Wilson lower bound (z = 1.96) and controversy in SQL, mirroring facegallery/gallery/ranking.py.
RANKING_SQL = """
UPDATE gallery_face f SET
  interesting_count = c.i, boring_count = c.b,
  wilson_interesting = CASE WHEN c.i + c.b = 0 THEN 0 ELSE
    ((c.i::float8 / (c.i + c.b)) + 1.9208 / (c.i + c.b)
     - 1.96 * sqrt(((c.i::float8 / (c.i + c.b)) * (1 - c.i::float8 / (c.i + c.b))
                    + 0.9604 / (c.i + c.b)) / (c.i + c.b)))
    / (1 + 3.8416 / (c.i + c.b)) END,
  wilson_boring = CASE WHEN c.i + c.b = 0 THEN 0 ELSE
    ((c.b::float8 / (c.i + c.b)) + 1.9208 / (c.i + c.b)
     - 1.96 * sqrt(((c.b::float8 / (c.i + c.b)) * (1 - c.b::float8 / (c.i + c.b))
                    + 0.9604 / (c.i + c.b)) / (c.i + c.b)))
    / (1 + 3.8416 / (c.i + c.b)) END,
  controversy = CASE WHEN c.i = 0 OR c.b = 0 THEN 0 ELSE
    power((c.i + c.b)::float8, least(c.i, c.b)::float8 / greatest(c.i, c.b)) END
FROM (SELECT face_id,
             count(*) FILTER (WHERE label = 'interesting') AS i,
             count(*) FILTER (WHERE label = 'boring') AS b
      FROM voting_vote WHERE NOT voided GROUP BY face_id) c
WHERE f.id = c.face_id
"""


def ensure_templates(count: int) -> None:
    from facegallery.gallery.models import Face
    from facegallery.generation.services.batches import faces_generate_now

    missing = count - Face.objects.filter(seed__lt=SEED_BASE).count()
    if missing > 0:
        faces_generate_now(count=missing)


def seed(cursor, faces: int, votes: int, templates: int) -> dict[str, float]:
    timings = {}
    cursor.execute("SET synchronous_commit = off")
    cursor.execute(
        "CREATE TEMP TABLE tpl AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS idx, "
        "generator_id, temperature, strokes, num_points, num_strokes "
        "FROM gallery_face WHERE seed < %s ORDER BY id LIMIT %s",
        [SEED_BASE, templates],
    )
    cursor.execute("SELECT count(*) FROM tpl")
    k = cursor.fetchone()[0]
    cursor.execute("SELECT coalesce(max(seed), %s) FROM gallery_face", [SEED_BASE])
    first_seed = max(cursor.fetchone()[0] + 1, SEED_BASE)

    started = time.perf_counter()
    # 97% visible, 2% filtered, 1% hidden; created spread over the last 90 days.
    cursor.execute(
        """
        INSERT INTO gallery_face (generator_id, seed, temperature, strokes, num_points,
            num_strokes, created, status, explored, admission_probability, interesting_count,
            boring_count, wilson_interesting, wilson_boring, controversy, shuffle_key, featured,
            precision, origin)
        SELECT t.generator_id, %s + g, t.temperature, t.strokes, t.num_points, t.num_strokes,
            now() - (g::float8 / %s) * interval '90 days',
            CASE WHEN g %% 100 < 97 THEN 1 WHEN g %% 100 < 99 THEN 2 ELSE 3 END,
            false, 1.0, 0, 0, 0, 0, 0, random(), false,
            1, 1  -- float32, drawn by the generator from the start token
        FROM generate_series(0, %s - 1) g JOIN tpl t ON t.idx = g %% %s
        """,
        [first_seed, faces, faces, k],
    )
    timings["faces_s"] = time.perf_counter() - started

    started = time.perf_counter()
    cursor.execute(
        "CREATE TEMP TABLE seeded AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS idx, id "
        "FROM gallery_face WHERE seed >= %s AND status = 1",
        [first_seed],
    )
    cursor.execute("CREATE INDEX ON seeded (idx)")
    cursor.execute("SELECT count(*) FROM seeded")
    n = cursor.fetchone()[0]
    # Voter v's k-th vote lands on a distinct face: (v*7919 + k*104729) mod n is injective
    # in k for k < n / gcd(104729, n), far more than any voter's vote count here.
    cursor.execute(
        """
        INSERT INTO voting_vote (face_id, voter, label, ip_hash, created, updated, voided)
        SELECT s.id, 'seed:' || (g %% %s),
            CASE WHEN random() < (abs(hashint4(s.id::int)) %% 100) / 100.0
                 THEN 'interesting' ELSE 'boring' END,
            md5((g %% 50000)::text) || md5('ip' || (g %% 50000)::text),
            now() - random() * interval '30 days', now(), false
        FROM generate_series(0, %s - 1) g
        JOIN seeded s ON s.idx = ((g %% %s)::bigint * 7919 + (g / %s)::bigint * 104729) %% %s
        ON CONFLICT DO NOTHING
        """,
        [VOTERS, votes, VOTERS, VOTERS, n],
    )
    timings["votes_s"] = time.perf_counter() - started

    started = time.perf_counter()
    cursor.execute(RANKING_SQL)
    timings["ranking_s"] = time.perf_counter() - started
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_database")
    parser.add_argument("--faces", type=int, default=1_000_000)
    parser.add_argument("--votes", type=int, default=5_000_000)
    parser.add_argument("--templates", type=int, default=2048)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    django_setup()
    from django.db import connection, transaction

    ensure_templates(args.templates)
    with transaction.atomic(), connection.cursor() as cursor:
        timings = seed(cursor, args.faces, args.votes, args.templates)
    with connection.cursor() as cursor:
        # Outside the transaction: VACUUM sets the visibility map (index-only scans) and
        # reclaims the dead rows the ranking UPDATE left, as autovacuum would in time.
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE gallery_face")
        cursor.execute("VACUUM ANALYZE voting_vote")
        timings["vacuum_s"] = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM gallery_face")
        faces = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM voting_vote")
        votes = cursor.fetchone()[0]
    rows = [[name.removesuffix("_s"), seconds] for name, seconds in timings.items()]
    print(table(["step", "seconds"], rows))
    print(f"database now holds {faces:,} faces and {votes:,} votes")
    write_results("seed_database", {"faces": faces, "votes": votes, **timings}, args.json)


if __name__ == "__main__":
    main()
