"""What applying a register writes: all or nothing, once, with history, and the same columns as the normal
save path."""

from __future__ import annotations

from pathlib import Path

import pytest

from branches.errors import LedgerError
from branches.models import (
    Category,
    Organisation,
    RegisterImport,
    RegisterPresence,
    RegisterSource,
)
from branches.services.imports import (
    register_import_apply,
    register_import_run,
)
from branches.services.organisations import organisation_create, organisation_update
from federation.models import OperationLog, Region
from tests.branches.factories import OrganisationFactory
from tests.branches.test_import_service import CIVIL_AFFAIRS, CODE_HBW, CODE_HN, _batches, _media, csv, upload  # noqa: F401  (autouse fixtures)

# --- all or nothing, once ---------------------------------------------------------------------------------


def test_a_failure_while_applying_writes_nothing(city_officer, monkeypatch):
    register_import = upload(
        city_officer, CIVIL_AFFAIRS.read_bytes(), name=CIVIL_AFFAIRS.name, source="民政局"
    )

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("branches.services.imports.flow._write_presences", broken)
    with pytest.raises(RuntimeError):
        register_import_apply(register_import=register_import, by=city_officer)

    assert Organisation.objects.count() == 0
    assert Organisation.history.count() == 0
    assert not RegisterPresence.objects.exists()
    assert not OperationLog.objects.filter(action="register.import").exists()
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED


def test_a_failing_run_leaves_no_import_and_no_file(city_officer, monkeypatch, settings):
    monkeypatch.setattr("branches.services.imports.flow._write_presences", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        register_import_run(
            by=city_officer,
            data=CIVIL_AFFAIRS.read_bytes(),
            file_name="a.csv",
            source_name="民政局",
            dry_run=False,
        )
    assert not RegisterImport.objects.exists() and not RegisterSource.objects.filter(name="民政局").exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_applying_twice_is_refused(city_officer):
    register_import = upload(city_officer, CIVIL_AFFAIRS.read_bytes(), source="民政局")
    register_import_apply(register_import=register_import, by=city_officer)
    with pytest.raises(LedgerError):
        register_import_apply(register_import=register_import, by=city_officer)
    assert Organisation.objects.count() == 39
    assert OperationLog.objects.filter(action="register.import").count() == 1


def test_apply_classifies_again_against_the_ledger_as_it_is_then(city_officer):
    first = upload(city_officer, CIVIL_AFFAIRS.read_bytes(), source="民政局")
    second = upload(city_officer, CIVIL_AFFAIRS.read_bytes(), source="民政局")
    assert second.summary["counts"]["new"] == 39  # both previews saw an empty ledger
    register_import_apply(register_import=first, by=city_officer)

    counts = register_import_apply(register_import=second, by=city_officer)

    assert counts["new"] == 0 and counts["unchanged"] == 39
    second.refresh_from_db()
    assert second.summary["counts"]["unchanged"] == 39  # the stored summary is what was applied
    assert Organisation.objects.count() == 39


def test_applying_leaves_history_naming_the_applier_and_the_import(city_officer, district_officer):
    register_import = upload(
        district_officer, csv(f"甲协会,{CODE_HBW},海勃湾区,新华街道,,社会团体,10,5,,,行业协会商会")
    )
    register_import_apply(register_import=register_import, by=city_officer)

    organisation = Organisation.objects.get(name="甲协会")
    record = organisation.history.get()
    assert record.history_user == city_officer and record.history_type == "+"
    assert f"#{register_import.pk}" in record.history_change_reason
    assert [c.name for c in organisation.categories.all()] == ["行业协会商会"]
    assert [link.category.name for link in record.categories.all()] == ["行业协会商会"]
    log = OperationLog.objects.get(action="register.import")
    assert log.actor == city_officer and log.object_id == str(register_import.pk)
    assert log.changes["new"] == 1


# --- what an import writes is what the normal save path writes --------------------------------------------

DERIVED = (
    "name",
    "name_normalised",
    "search_text",
    "search_grams",
    "sort_key",
    "district_id",
    "former_names",
)
# Traditional characters, full-width brackets and letters, a polyphonic character in a phrase (银行), digits.
TRICKY_NAMES = ["烏海市愛心協會（ＡＢＣ分會）", "乌海市银行业协会2号", "乌海市重庆火锅店·长乐"]


def test_an_imported_organisation_derives_the_same_columns_as_one_added_by_hand(city_officer):
    lines = [f"{name},,海勃湾区,新华街道,,社会团体" for name in TRICKY_NAMES]
    register_import_run(
        by=city_officer, data=csv(*lines), file_name="a.csv", source_name="名录", dry_run=False
    )
    imported = {o.name: o for o in Organisation.objects.all()}
    assert set(imported) == set(TRICKY_NAMES)

    for name in TRICKY_NAMES:
        by_hand = organisation_create(
            by=city_officer,
            data={"name": name, "field": "social", "region": Region.objects.get(code="150302003")},
        )
        for column in DERIVED:
            assert getattr(imported[name], column) == getattr(by_hand, column), (name, column)


def test_a_renamed_organisation_derives_the_same_columns_as_one_renamed_by_hand(city_officer):
    imported = OrganisationFactory(name="乌海市甲协会", uscc=CODE_HBW, former_names=["乌海市乙协会"])
    by_hand = OrganisationFactory(name="乌海市甲协会", uscc=CODE_HN, former_names=["乌海市乙协会"])
    register_import_run(
        by=city_officer, data=csv(f"烏海市重慶銀行協會,{CODE_HBW},海勃湾区"), file_name="a.csv", source_name="名录",
        dry_run=False,
    )  # fmt: skip
    organisation_update(organisation=by_hand, by=city_officer, data={"name": "烏海市重慶銀行協會"})

    imported.refresh_from_db()
    by_hand.refresh_from_db()
    assert imported.former_names == ["乌海市乙协会", "乌海市甲协会"]
    for column in DERIVED:
        assert getattr(imported, column) == getattr(by_hand, column), column


def test_an_apply_writes_history_categories_and_presences_for_new_and_updated_records(city_officer):
    express, delivery = Category.objects.get(name="快递行业"), Category.objects.get(name="外卖配送")
    record = OrganisationFactory(name="甲协会", uscc=CODE_HBW, employees=10, women=5)
    record.categories.add(express)
    before = record.value_sources
    register_import = upload(
        city_officer,
        csv(
            f"甲协会,{CODE_HBW},海勃湾区,,,,12,,,,外卖配送",
            f"乙协会,{CODE_HN},海南区,,,社会团体,3,1,,,快递行业",
        ),
    )
    register_import_apply(register_import=register_import, by=city_officer)

    record.refresh_from_db()
    new = Organisation.objects.get(name="乙协会")
    assert record.employees == 12 and set(record.categories.all()) == {express, delivery}
    assert set(record.value_sources) == {*before, "employees", "categories"}
    assert record.value_sources["employees"]["import"] == register_import.pk
    assert set(new.value_sources) == {"name", "uscc", "field", "unit_type", "region", "employees", "women",
                                      "categories"}  # fmt: skip
    assert new.district.code == "150303"
    for organisation, kind, categories in ((record, "~", {express, delivery}), (new, "+", {express})):
        history = organisation.history.first()  # the latest
        assert history.history_type == kind
        assert history.history_user == city_officer and history.history_date == record.updated_at
        assert (
            f"#{register_import.pk}" in history.history_change_reason
            and "测试名录" in history.history_change_reason
        )
        assert (history.name, history.employees, history.region_id) == (
            organisation.name, organisation.employees, organisation.region_id,
        )  # fmt: skip
        links = {link.category_id: link.id for link in organisation.categories.through.objects.filter(
            organisation=organisation)}  # fmt: skip
        assert {(c.category_id, c.id) for c in history.categories.all()} == set(links.items())
        assert {c.category for c in history.categories.all()} == categories
    presences = RegisterPresence.objects.filter(source__name="测试名录")
    assert set(presences.values_list("organisation", "first_import", "last_import", "in_latest")) == {
        (record.pk, register_import.pk, register_import.pk, True),
        (new.pk, register_import.pk, register_import.pk, True),
    }
