"""简体中文 stays complete: every user-facing string in the sources has a zh-hans translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = Path("locale/zh_Hans/LC_MESSAGES/django.po")


def statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory):
    """The catalogue as makemessages would write it from today's sources (in a copy of the tree)."""
    if not shutil.which("msgfmt"):
        pytest.fail("gettext is required (apt-get install gettext)")
    copy = tmp_path_factory.mktemp("tree") / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "node_modules", "var", ".git", "__pycache__", "*.mo"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location",
         "--ignore=.venv", "--ignore=node_modules", "--ignore=var"],
        cwd=copy, check=True, capture_output=True,
    )  # fmt: skip
    return copy / PO


def test_committed_catalogue_is_valid_and_fully_translated():
    stats = statistics(ROOT / PO)
    assert "untranslated" not in stats and "fuzzy" not in stats, stats


def test_every_string_in_the_sources_is_translated(fresh_catalogue):
    stats = statistics(fresh_catalogue)
    assert "untranslated" not in stats and "fuzzy" not in stats, (
        f"{stats.strip()} — run `make messages` and translate the new strings in {PO}"
    )
