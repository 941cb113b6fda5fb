"""manage.py import_register: one line of counts, --dry-run writes nothing, a bad file is a CommandError."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from branches.models import Organisation, RegisterImport, RegisterSource

DEMO = Path(__file__).resolve().parents[2] / "branches" / "demo" / "registers"
CIVIL_AFFAIRS = DEMO / "民政局_社会组织名录.csv"
SOCIAL_WORK = DEMO / "社工部_两新组织台账.xlsx"
COUNTS = re.compile(
    r"^new=(\d+) updated=(\d+) unchanged=(\d+) duplicates=(\d+) repeated=(\d+) invalid=(\d+) not_in_latest=(\d+)$"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*args) -> str:
    out = StringIO()
    call_command("import_register", *map(str, args), stdout=out)
    return out.getvalue().strip()


def test_the_command_prints_one_line_of_counts(admin_user):
    line = run(CIVIL_AFFAIRS, "--source", "民政局")

    assert COUNTS.match(line).groups() == ("39", "0", "0", "0", "0", "1", "0")
    register_import = RegisterImport.objects.get()
    assert register_import.status == RegisterImport.Status.APPLIED
    assert register_import.uploaded_by == admin_user == register_import.applied_by
    assert Organisation.objects.count() == 39


def test_the_second_register_updates_the_first(admin_user):
    run(CIVIL_AFFAIRS, "--source", "民政局")
    assert run(SOCIAL_WORK, "--source", "社工部").startswith("new=50 updated=10 unchanged=0 ")


def test_a_dry_run_writes_nothing(admin_user):
    line = run(CIVIL_AFFAIRS, "--source", "民政局", "--dry-run")

    assert line.startswith("new=39 ")
    assert not Organisation.objects.exists()
    assert not RegisterImport.objects.exists() and not RegisterSource.objects.exists()


def test_the_users_area_limits_the_rows(district_officer):
    line = run(CIVIL_AFFAIRS, "--source", "民政局", "--user", district_officer.username)
    new, invalid = int(COUNTS.match(line).group(1)), int(COUNTS.match(line).group(6))
    assert new + invalid == 40 and invalid > 1
    assert set(Organisation.objects.values_list("district__name", flat=True)) == {"海勃湾区"}


def test_a_file_it_cannot_read_is_a_command_error(admin_user, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02" * 500)
    with pytest.raises(CommandError):
        run(junk, "--source", "民政局")
    with pytest.raises(CommandError):
        run(tmp_path / "missing.xlsx", "--source", "民政局")
    assert not RegisterImport.objects.exists()


def test_an_unknown_user_or_a_user_without_the_permission_is_a_command_error(liaison):
    with pytest.raises(CommandError):
        run(CIVIL_AFFAIRS, "--source", "民政局", "--user", "nobody")
    with pytest.raises(CommandError):
        run(CIVIL_AFFAIRS, "--source", "民政局", "--user", liaison.username)
    with pytest.raises(CommandError):  # no --user and no superuser
        run(CIVIL_AFFAIRS, "--source", "民政局")
