"""Two departments' registers naming the same organisations, applied at the same instant.

tests/branches/test_import_service.py already races one import applied twice and two imports of one register;
both lock the same register row and so wait for each other. Registers of two different sources lock different
rows: applying imports one at a time (an advisory lock) keeps them from adding an organisation twice.
"""

from __future__ import annotations

import contextlib
import threading

import pytest

from branches.errors import LedgerError
from branches.models import Organisation, RegisterPresence
from branches.services.imports import flow, register_import_apply, register_import_upload
from branches.services.imports.write import _write as write

from .conftest import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HEADER = "单位名称,统一社会信用代码,所属区,街道,类别,单位类型"
# Made-up codes that pass the check, registered in 海勃湾区 and 海南区
CODE_HBW, CODE_HN = "91150302MA0000001H", "52150303MJ0000002L"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def register(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def apply_both(officer, data: bytes, monkeypatch) -> list:
    """Apply the register as two departments' imports at once. Both have classified their rows against the
    ledger before either writes (as happens when they overlap), so the outcome does not hang on timing."""
    classified = threading.Barrier(2)

    def write_when_both_classified(*args, **kwargs):
        # If the other one waits for us (behind a lock taken earlier), the barrier breaks and we go on.
        with contextlib.suppress(threading.BrokenBarrierError):
            classified.wait(timeout=5)
        return write(*args, **kwargs)

    monkeypatch.setattr(flow, "_write", write_when_both_classified)
    imports = [
        register_import_upload(by=officer, data=data, file_name=f"{source}.csv", source_name=source)
        for source in ("民政局", "社工部")
    ]
    assert [i.summary["counts"]["new"] for i in imports] == [data.count(b"\n") - 1] * 2
    return together(*[lambda i=i: register_import_apply(register_import=i, by=officer) for i in imports])


def test_two_registers_with_the_same_coded_rows_at_once_add_each_organisation_once(city_officer, monkeypatch):
    outcomes = apply_both(
        city_officer,
        register(f"甲协会,{CODE_HBW},海勃湾区,,,社会团体", f"乙协会,{CODE_HN},海南区,,,社会团体"),
        monkeypatch,
    )

    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, LedgerError)], outcomes
    assert sorted(Organisation.objects.values_list("name", flat=True)) == ["乙协会", "甲协会"]
    assert sum(isinstance(o, dict) for o in outcomes) >= 1


def test_two_registers_with_the_same_uncoded_rows_at_once_add_each_organisation_once(
    city_officer, monkeypatch
):
    names = ["乌海市丙协会", "乌海市丁协会", "乌海市戊协会"]
    outcomes = apply_both(
        city_officer, register(*[f"{name},,海勃湾区,,,社会团体" for name in names]), monkeypatch
    )

    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, LedgerError)], outcomes
    assert sorted(Organisation.objects.values_list("name", flat=True)) == sorted(names)
    applied = sum(isinstance(o, dict) for o in outcomes)
    assert RegisterPresence.objects.count() == applied * len(names)
