"""Face ids from the outside world: URLs, forms, sessions, admin searches, API queries.

A face id is a positive bigint (BigAutoField). Everything a visitor or moderator sends is
checked here, so a value PostgreSQL cannot hold never reaches a query (that was a 500), and
only ASCII digits count ("²".isdigit() is true, int("²") raises).
"""

from __future__ import annotations

import re

MAX_FACE_ID = 2**63 - 1  # the largest bigint
_DIGITS = re.compile(r"[0-9]{1,19}")
_SEPARATORS = re.compile(r"[\s,#]+")


def face_id_valid(value: object) -> bool:
    """An int (not a bool) that a face's primary key could be."""
    return type(value) is int and 0 < value <= MAX_FACE_ID


def face_id_parse(text: str) -> int | None:
    """The face id written as `text` ("42"), or None for anything else."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if face_id_valid(value) else None


def face_ids_parse(text: str) -> list[int]:
    """Every face id in a list typed by a person ("12, 15 #20"), in order; the rest ignored."""
    ids = (face_id_parse(part) for part in _SEPARATORS.split(text))
    return [face_id for face_id in ids if face_id is not None]


def face_ids_valid(values: object) -> list[int]:
    """The valid face ids among `values` (a list read back from a session or a query)."""
    return [v for v in values if face_id_valid(v)] if isinstance(values, list) else []
