"""Swagger UI (/api/docs) comes from django-ninja's static files; its licence files, which the
wheel leaves out, are ours in static/ninja/ and must be of the version ninja ships."""

from __future__ import annotations

import re
from pathlib import Path

import ninja

from tests.conftest import REPO_ROOT

SHIPPED = Path(ninja.__file__).parent / "static" / "ninja" / "swagger-ui-bundle.js"
OURS = REPO_ROOT / "static" / "ninja"


def test_the_licence_files_are_those_of_the_swagger_ui_ninja_ships():
    bundle = SHIPPED.read_text()
    assert bundle.startswith(
        "/*! For license information please see swagger-ui-bundle.js.LICENSE.txt"
    )
    version = re.search(r'PACKAGE_VERSION:"([0-9.]+)"', bundle)
    assert version is not None
    assert f"swagger-ui-dist {version[1]}" in (OURS / "README.md").read_text()
    assert "Apache License" in (OURS / "swagger-ui-LICENSE.txt").read_text()
    assert (OURS / "swagger-ui-bundle.js.LICENSE.txt").stat().st_size > 0
