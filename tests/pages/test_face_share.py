"""A face page's link preview (Open Graph and Twitter tags, absolute URLs, the PNG they point
at) and the SVG download's size."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from facegallery.gallery.models import FaceStatus
from facegallery.gallery.pictures import SHARE_HEIGHT, SHARE_WIDTH
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def meta_tags(html: str) -> dict[str, str]:
    pairs = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', html)
    return dict(pairs)


def test_the_face_page_has_link_preview_tags_with_absolute_urls(client):
    face = FaceFactory.create()
    html = client.get(f"/faces/{face.pk}?utm_source=chat").content.decode()
    tags = meta_tags(html)
    assert tags["og:title"] == f"Face #{face.pk}"
    assert tags["og:url"] == f"http://testserver/faces/{face.pk}"  # no query: one canonical URL
    assert tags["og:image"] == f"http://testserver/faces/{face.pk}.png"
    assert (tags["og:image:width"], tags["og:image:height"]) == (
        str(SHARE_WIDTH),
        str(SHARE_HEIGHT),
    )
    assert tags["twitter:card"] == "summary_large_image"
    assert f'<link rel="canonical" href="http://testserver/faces/{face.pk}">' in html


def test_link_previews_use_https_urls_behind_https(client, settings):
    settings.SECURE_SSL_REDIRECT = False
    face = FaceFactory.create()
    html = client.get(f"/faces/{face.pk}", secure=True).content.decode()
    assert meta_tags(html)["og:image"] == f"https://testserver/faces/{face.pk}.png"


def test_the_preview_png_is_the_face_dark_on_white_at_the_open_graph_size(client):
    face = FaceFactory.create()
    response = client.get(f"/faces/{face.pk}.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=300"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.size == (SHARE_WIDTH, SHARE_HEIGHT)
    grey = image.convert("L")
    assert grey.getpixel((0, 0)) == 255  # white around the face
    assert min(grey.tobytes()) < 60  # and dark strokes in it


@pytest.mark.parametrize("status", [FaceStatus.HIDDEN, FaceStatus.FILTERED])
def test_hidden_faces_have_no_preview_png(client, status):
    face = FaceFactory.create(status=status)
    assert client.get(f"/faces/{face.pk}.png").status_code == 404


def test_the_svg_download_has_a_size_and_screen_pixel_strokes(client):
    face = FaceFactory.create()
    root = ET.fromstring(client.get(f"/faces/{face.pk}.svg").content)
    assert (root.attrib["width"], root.attrib["height"]) == ("512", "512")
    assert root.attrib["stroke-width"] == "2" and root.attrib["stroke"] == "#222"
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert len(paths) == face.num_strokes
    assert {path.attrib["vector-effect"] for path in paths} == {"non-scaling-stroke"}
