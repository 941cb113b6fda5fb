"""The apps depend on each other one way only: each may import the apps below it, never one above or beside.

    benchmarks → coverage → answers → workflows → branches → jobs → federation
                          ↘ activities ────────↗

Imports inside functions count too (a late import is still a dependency). Migrations are left out: they name
other apps' migrations as the database's history requires. docs/architecture.md explains the layers.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["federation", "jobs", "branches", "workflows", "activities", "answers", "coverage", "benchmarks"]
ALLOWED = {
    "federation": set(),
    "jobs": {"federation"},
    "branches": {"federation", "jobs"},
    "workflows": {"federation", "jobs", "branches"},
    "activities": {"federation", "jobs", "branches"},
    "answers": {"federation", "jobs", "branches", "workflows"},
    "coverage": {"federation", "jobs", "branches", "workflows", "activities", "answers"},
    "benchmarks": set(APPS) - {"benchmarks"},
}


def imported_apps(path: Path) -> set[tuple[str, int]]:
    """The project's apps a module imports, with the line of each import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update((name.split(".")[0], node.lineno) for name in names if name.split(".")[0] in APPS)
    return found


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it(app):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {other}"
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for other, line in imported_apps(path)
        if other != app and other not in ALLOWED[app]
    ]
    assert not wrong, f"{app} may import only {sorted(ALLOWED[app]) or 'none of the apps'}: " + "; ".join(
        wrong
    )


def test_every_app_has_its_place():
    packages = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"benchmarks"}
    assert packages == set(APPS)


def test_every_module_is_short_enough_to_hold_in_ones_head():
    """At most 600 lines a module (past ~550 it is split along its seams); migrations and data tables such as
    branches/demo_data.py are left out."""
    too_long = [
        f"{path.relative_to(ROOT)} ({lines} lines)"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and not path.stem.endswith("_data")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 600
    ]
    assert not too_long, "split along their seams: " + "; ".join(too_long)
