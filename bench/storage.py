"""Bytes per face on disk, table and indexes (target: ≤ 1 KB a face on average).

python -m bench.storage            # against DATABASE_URL, after bench.seed_database
"""

from __future__ import annotations

import argparse

from bench.common import django_setup, table, write_results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.storage")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE gallery_face")
        cursor.execute(
            "SELECT count(*), avg(num_points), avg(octet_length(strokes)) FROM gallery_face"
        )
        faces, mean_points, mean_stroke_bytes = cursor.fetchone()
        cursor.execute(
            "SELECT pg_table_size('gallery_face'), pg_indexes_size('gallery_face'), "
            "pg_total_relation_size('gallery_face')"
        )
        heap, indexes, total = cursor.fetchone()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) "
            "FROM pg_index WHERE indrelid = 'gallery_face'::regclass ORDER BY 2 DESC"
        )
        per_index = cursor.fetchall()
    rows = [
        ["table (heap + TOAST)", heap, heap / faces],
        ["all indexes", indexes, indexes / faces],
        ["total", total, total / faces],
        *[[f"  {name}", size, size / faces] for name, size in per_index],
    ]
    print(
        f"{faces:,} faces, {float(mean_points):.1f} points and {float(mean_stroke_bytes):.0f} "
        "stroke bytes a face on average"
    )
    print(table(["relation", "bytes", "bytes / face"], rows))
    write_results(
        "storage",
        {
            "faces": faces,
            "mean_points": float(mean_points),
            "heap_bytes": heap,
            "index_bytes": indexes,
            "total_bytes": total,
            "bytes_per_face": total / faces,
            "per_index": dict(per_index),
        },
        args.json,
    )


if __name__ == "__main__":
    main()
