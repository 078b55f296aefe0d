"""The apps are layers: each imports only the layers below it, never one beside or above.

Read from the source (every import statement, those inside functions included), so a cycle
cannot hide behind a function-level import. generator/ sits below them all and never imports
facegallery (nor Django: tests/generator/test_no_django.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = REPO_ROOT / "facegallery"

# Bottom first. Apps in one tuple are peers: neither may import the other.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("gallery",),  # faces, their pictures and ranking columns, generation settings rows
    ("voting",),  # votes, reports, blocks, voter identity, rate limits
    ("scoring",),  # the scorer trained from votes, vote mode's queue
    ("tuning",),  # generator versions tuned from votes: training, rails, rollout
    ("generation",),  # the tick, the batch task, admission, simulate_voters
    ("moderation", "exports", "api", "pages"),  # what people use: admin, datasets, API, pages
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}
# Project modules beside the apps: settings and the launcher import no app; urls and the
# Celery app tie everything together, so nothing may import them.
PROJECT_MODULES = {
    "settings",
    "settings_test",
    "urls",
    "wsgi",
    "celery",
    "stack",
    "stackenv",
    "embedded",
}


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module named by an import in `path` (a module of `package`), relative imports
    resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "facegallery" or len(parts) < 2:
        return None
    return parts[1]


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts[:-1])


def app_sources() -> list[tuple[str, str, Path]]:
    """(app, package, path) of every module inside an app."""
    return sorted(
        (path.relative_to(PACKAGE).parts[0], package_of(path), path)
        for path in PACKAGE.rglob("*.py")
        if len(path.relative_to(PACKAGE).parts) > 1
    )


def upward_imports(sources: list[tuple[str, str, Path]]) -> list[str]:
    """One line per (module, app it may not import)."""
    problems = []
    for app, package, path in sources:
        targets = {app_of(module): module for module in sorted(imported_modules(path, package))}
        for target, module in sorted(targets.items(), key=lambda item: str(item[0])):
            if target is None or target == app:
                continue
            where = f"{path.name} ({package}) imports {module}"
            if target in PROJECT_MODULES:
                if target != "settings":
                    problems.append(f"{where}: apps never import the project's {target}")
            elif target not in LEVEL:
                problems.append(f"{where}: facegallery.{target} is in no layer of LAYERS")
            elif LEVEL[target] >= LEVEL[app]:
                side = "beside" if LEVEL[target] == LEVEL[app] else "above"
                problems.append(f"{where}: {target} is {side} {app}")
    return problems


def test_every_app_is_in_exactly_one_layer() -> None:
    apps = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert apps == set(LEVEL), "add the new app to LAYERS (or remove the stale entry)"
    assert len(LEVEL) == sum(len(apps) for apps in LAYERS)


def test_no_app_imports_a_layer_beside_or_above_its_own() -> None:
    assert upward_imports(app_sources()) == []


def test_generator_never_imports_facegallery() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)} imports {module}"
        for path in (REPO_ROOT / "generator").rglob("*.py")
        for module in imported_modules(path, package_of(path))
        if module.split(".")[0] == "facegallery"
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from facegallery.voting.models import Vote", "facegallery.voting.models.Vote"),
        ("def f():\n    from facegallery.scoring import queue", "facegallery.scoring.queue"),
        ("import facegallery.pages.grid as grid", "facegallery.pages.grid"),
        ("from ..voting import selectors", "facegallery.voting.selectors"),
        ("from .models import Face", "facegallery.gallery.models.Face"),
    ],
)
def test_the_reader_finds_imports_in_every_form(tmp_path, source, expected) -> None:
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert expected in imported_modules(path, "facegallery.gallery")


@pytest.mark.parametrize(
    ("app", "source", "problem"),
    [
        ("gallery", "def f():\n    from facegallery.voting.models import Vote", "voting is above"),
        ("api", "from facegallery.pages import grid", "pages is beside api"),
        ("voting", "from facegallery.urls import urlpatterns", "never import the project's urls"),
        ("scoring", "import facegallery.plugins", "plugins is in no layer"),
    ],
)
def test_an_import_outside_the_layers_is_reported(tmp_path, app, source, problem) -> None:
    path = tmp_path / "probe.py"
    path.write_text(source)
    problems = upward_imports([(app, f"facegallery.{app}", path)])
    assert len(problems) == 1
    assert problem in problems[0]


def test_an_import_from_below_is_allowed(tmp_path) -> None:
    path = tmp_path / "probe.py"
    path.write_text("from facegallery.gallery.models import Face\nfrom generator import rng\n")
    assert upward_imports([("scoring", "facegallery.scoring", path)]) == []
