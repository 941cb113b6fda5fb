"""A register applied batch by batch: rows of later batches are classified against the ledger as it was before
the import, never against what the import's earlier batches have just written."""

from __future__ import annotations

import pytest
from django.db import DataError, connection

from branches.models import Organisation, RegisterImport, RegisterPresence
from branches.services.imports import register_import_apply, register_import_run, register_import_upload
from tests.branches.factories import OrganisationFactory
from tests.conftest import need

HEADER = "单位名称,统一社会信用代码,所属区,街道,类别,单位类型,职工总数,女职工数"
CODE_HBW = "91150302MA0000001H"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def batch_of_one(monkeypatch):
    monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 1)
    monkeypatch.setattr("branches.services.imports.pgcopy.LOOKUP_BATCH", 1)


def register(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


ROWS = register(
    f"乌海市新名字协会,{CODE_HBW},海勃湾区,,新社会组织,社会团体,30,20",  # renames the record of that code
    "乌海市老名字协会,,海勃湾区,,新社会组织,社会团体,31,20",  # its old name, a batch later
    "乌海市全新科技有限公司,,海南区,,新经济组织,民营企业,12,5",  # new
    "乌海市全新科技有限责任公司,,海南区,,新经济组织,民营企业,13,5",  # the same new one, another spelling
    "乌海市全新科技有限公司,,乌达区,,新经济组织,民营企业,8,2",  # that name in another district: another one
)


def test_a_later_batch_sees_the_ledger_as_it_was_before_the_import(city_officer, batch_of_one):
    renamed = OrganisationFactory(name="乌海市老名字协会", uscc=CODE_HBW, employees=10, women=5)
    counts = register_import_run(
        by=city_officer, data=ROWS, file_name="register.csv", source_name="测试名录", dry_run=False
    )

    assert (counts["updated"], counts["new"], counts["repeated"], counts["duplicates"]) == (1, 2, 2, 0)
    renamed.refresh_from_db()
    assert (renamed.name, renamed.former_names, renamed.employees) == (
        "乌海市新名字协会",
        ["乌海市老名字协会"],
        30,
    )
    assert Organisation.objects.filter(name_normalised="乌海市全新科技有限公司").count() == 2
    assert Organisation.objects.count() == 3


def test_the_outcome_does_not_depend_on_the_batches(city_officer, monkeypatch):
    OrganisationFactory(name="乌海市老名字协会", uscc=CODE_HBW, employees=10, women=5)
    preview = register_import_upload(
        by=city_officer, data=ROWS, file_name="register.csv", source_name="测试名录"
    )
    in_one = [(row["n"], row["s"], row.get("o")) for row in preview.summary["rows"]]

    monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 1)
    monkeypatch.setattr("branches.services.imports.pgcopy.LOOKUP_BATCH", 1)
    register_import_apply(register_import=preview, by=city_officer)
    preview.refresh_from_db()
    applied = [(row["n"], row["s"], row.get("o")) for row in preview.summary["rows"]]
    assert [(n, s) for n, s, _o in applied] == [(n, s) for n, s, _o in in_one]
    assert [o for _n, s, o in applied if s != "new"] == [o for _n, s, o in in_one if s != "new"]
    created = set(
        Organisation.objects.filter(name_normalised="乌海市全新科技有限公司").values_list("pk", flat=True)
    )
    assert {o for _n, s, o in applied if s == "new"} == created


def test_a_batch_that_fails_in_the_database_leaves_nothing_written(city_officer, batch_of_one, monkeypatch):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    OrganisationFactory(name="乌海市老名字协会", uscc=CODE_HBW, employees=10, women=5)
    preview = register_import_upload(
        by=city_officer, data=ROWS, file_name="register.csv", source_name="测试名录"
    )
    history = Organisation.history.count()
    copies = []

    def failing(cursor, statement, payload):
        copies.append(statement)
        cursor.execute("SELECT 1 / 0")  # the server refuses the statement, as a full disk would

    monkeypatch.setattr("branches.services.imports.pgcopy._copy_bytes", failing)
    with pytest.raises(DataError):
        register_import_apply(register_import=preview, by=city_officer)

    assert copies  # the new records' batch was reached, after the update of the batch before it
    assert Organisation.objects.count() == 1
    assert Organisation.objects.get().name == "乌海市老名字协会"
    assert Organisation.history.count() == history
    assert not RegisterPresence.objects.exists()
    preview.refresh_from_db()
    assert preview.status == RegisterImport.Status.PREVIEWED


def test_a_register_that_adds_nothing_takes_no_ids(city_officer, batch_of_one):
    first = OrganisationFactory(name="乌海市甲协会", uscc=CODE_HBW, employees=10, women=5)
    second = OrganisationFactory(name="乌海市乙协会", employees=10, women=5)
    counts = register_import_run(
        by=city_officer,
        data=register(
            "乌海市甲协会,,海勃湾区,,新社会组织,社会团体,30,20",
            "乌海市乙协会,,海勃湾区,,新社会组织,社会团体,31,20",
        ),
        file_name="register.csv",
        source_name="测试名录",
        dry_run=False,
    )
    assert (counts["updated"], counts["new"]) == (2, 0)
    assert OrganisationFactory().pk == max(first.pk, second.pk) + 1
