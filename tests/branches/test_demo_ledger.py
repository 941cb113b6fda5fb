"""The demo ledger: about 200 plausible Wuhai organisations, valid codes, idempotent, deterministic."""

import io

import pytest
from django.core.management import call_command

from branches.demo import REGISTERS_DIR, demo_load, demo_specs
from branches.demo_data import CATEGORY_NAMES, DEMO_REGISTERS
from branches.models import Category, Organisation, RegisterSource, SanxinField
from branches.names import name_normalise
from branches.selectors import duplicate_candidates_for
from federation.identifiers import uscc_validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(wuhai):
    out = io.StringIO()
    demo_load(stdout=out)
    return out.getvalue()


def test_about_200_organisations_across_the_three_fields_and_districts(demo):
    assert 190 <= Organisation.objects.count() <= 210
    by_field = {field: Organisation.objects.filter(field=field).count() for field in SanxinField.values}
    assert by_field["economic"] >= 70 and by_field["social"] >= 50 and by_field["employment"] >= 45
    by_district = {
        name: Organisation.objects.filter(district__name=name).count()
        for name in ("海勃湾区", "海南区", "乌达区")
    }
    assert by_district["海勃湾区"] > by_district["乌达区"] >= 40 and by_district["海南区"] >= 40
    assert sum(by_district.values()) == Organisation.objects.count()
    specs = demo_specs()
    assert by_field == {field: sum(1 for s in specs if s["field"] == field) for field in SanxinField.values}


def test_streets_lie_in_their_district(demo):
    for organisation in Organisation.objects.select_related("region", "district"):
        assert organisation.region.path.startswith(organisation.district.path)
        assert organisation.district.level == "district"


def test_every_category_has_organisations_and_the_kinds_domain_names_are_there(demo):
    for code, name in CATEGORY_NAMES.items():
        category = Category.objects.get(code=code)
        assert category.name == name
        assert Organisation.objects.filter(categories=category).exists(), name
    assert Organisation.objects.filter(categories__code="top100").count() == 40
    names = set(Organisation.objects.values_list("name", flat=True))
    for brand in ("中通", "圆通", "申通", "韵达", "顺丰", "京东"):
        assert any(name.startswith(brand) and "乌海" in name for name in names), brand
    assert {"乌海市女企业家协会", "乌海万达商圈", "凯德商业街"} <= names
    assert any("商会" in name for name in names) and any("外卖" in name for name in names)
    assert any("网约车" in name or "出行" in name for name in names)


def test_every_credit_code_is_valid_and_carries_the_district_code(demo):
    coded = Organisation.objects.exclude(uscc="").select_related("district")
    assert coded.count() > 100
    for organisation in coded:
        assert uscc_validate(organisation.uscc) == organisation.uscc
        assert organisation.uscc[2:8] == organisation.district.code
        assert organisation.uscc[0] in "95"


def test_no_more_women_than_employees_and_plausible_numbers(demo):
    for employees, women in Organisation.objects.values_list("employees", "women"):
        if employees is not None and women is not None:
            assert 0 <= women <= employees
    assert Organisation.objects.filter(employees__isnull=False).count() > 150
    assert Organisation.objects.filter(party_org=True).exists()
    assert Organisation.objects.filter(party_org=False).exists()
    assert Organisation.objects.filter(trade_union__isnull=True).exists()


def test_derived_columns_are_computed_and_value_sources_empty(demo):
    for organisation in Organisation.objects.all():
        assert organisation.name_normalised == name_normalise(organisation.name)
        assert organisation.sort_key and organisation.search_text
        assert organisation.value_sources == {}


def test_some_have_a_contact_with_a_valid_mobile_and_a_few_are_archived(demo):
    from federation.identifiers import mobile_validate

    with_contact = Organisation.objects.exclude(contact_mobile="")
    assert 20 <= with_contact.count() <= 80
    for organisation in with_contact:
        assert organisation.contact_name and mobile_validate(organisation.contact_mobile)
    archived = Organisation.objects.filter(archived_at__isnull=False)
    assert 2 <= archived.count() <= 5 and all(o.archive_reason for o in archived)


def test_the_duplicates_page_has_near_duplicate_pairs(demo, city_officer):
    pairs = duplicate_candidates_for(city_officer)
    names = {frozenset((first.name, second.name)) for first, second, _reason in pairs}
    assert len(pairs) >= 2
    assert frozenset({"乌海市餐饮行业协会", "烏海市餐飲行業協會"}) in names
    assert any(any(n.endswith("有限责任公司") for n in pair) for pair in names)


def test_the_sample_registers_get_their_sources_but_are_not_imported(demo):
    for name, file_name in DEMO_REGISTERS:
        assert RegisterSource.objects.filter(name=name).exists()
        assert (REGISTERS_DIR / file_name).is_file()
    assert not Organisation.objects.filter(presences__isnull=False).exists()


def test_it_prints_one_line_with_the_counts(demo):
    lines = demo.strip().splitlines()
    assert len(lines) == 1
    assert f"{Organisation.objects.count()} organisations" in lines[0] and "海勃湾区" in lines[0]


def test_running_it_twice_changes_nothing(demo):
    before = list(Organisation.objects.order_by("id").values_list("id", "uscc", "name", "updated_at"))
    links = Organisation.categories.through.objects.count()
    out = io.StringIO()
    assert demo_load(stdout=out) == []
    assert "0 added" in out.getvalue()
    assert list(Organisation.objects.order_by("id").values_list("id", "uscc", "name", "updated_at")) == before
    assert Organisation.categories.through.objects.count() == links
    assert RegisterSource.objects.count() == len(DEMO_REGISTERS)


def test_it_is_deterministic():
    assert demo_specs() == demo_specs()
    assert demo_specs(seed=1) != demo_specs()


def test_load_demo_runs_it_twice_without_change(settings, wuhai):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    count = Organisation.objects.count()
    assert count > 190
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert Organisation.objects.count() == count and "0 added" in out.getvalue()
