"""Reading the gallery grid's HTML: which faces it shows, and one face's tile."""

from __future__ import annotations

import re

from facegallery.gallery.models import Face


def tile_ids(html: str) -> list[int]:
    """The ids of the faces on the page, in order."""
    return [int(i) for i in re.findall(r'<li class="tile[^"]*" id="f(\d+)"', html)]


def tile(html: str, face: Face) -> str:
    """The HTML of one face's tile."""
    return html.split(f'id="f{face.pk}"')[1].split("</li>")[0]
