"""The blank import template speaks of the person's own area: its example row and notes name their city,
district and streets, whatever city the installation serves."""

import io

import openpyxl
import pytest
from django.urls import reverse

from federation.models import FederationUnit, Region
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def template(client, user) -> tuple[list, dict[str, str]]:
    client.force_login(user)
    response = client.get(reverse("branches:import_template"))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    example = [cell.value for cell in workbook["台账导入"][2]]
    notes = {row[0].value: row[2].value for row in workbook["填写说明"].iter_rows(min_row=2) if row[0].value}
    return example, notes


def test_a_district_officer_of_another_city_gets_examples_of_their_own_places(client, wuhai):
    baotou = Region.objects.create(code="150200", name="包头市", level=Region.Level.CITY, path="150200/")
    kundulun = Region.objects.create(
        code="150203", name="昆都仑区", level=Region.Level.DISTRICT, parent=baotou, path="150200/150203/"
    )
    Region.objects.create(
        code="150203001", name="沙河街道", level=Region.Level.STREET, parent=kundulun,
        path="150200/150203/150203001/",
    )  # fmt: skip
    unit = FederationUnit.objects.create(name="昆都仑区妇联", level="district", region=kundulun)
    officer = StaffFactory(username="kundulun_officer", unit=unit)

    example, notes = template(client, officer)
    assert example[0] == "包头市昆都仑区示例科技有限公司"
    assert "昆都仑区" in example and "沙河街道" in example
    assert "包头市昆都仑区××科技有限公司" in notes["单位名称"] and "沙河街道" in notes["街道"]
    assert not any("乌海" in str(value) for value in [*example, *notes.values()])


def test_the_city_officer_of_the_tests_area_gets_its_places(client, city_officer):
    example, notes = template(client, city_officer)
    assert example[0].startswith("乌海市") and "海勃湾区" in notes["所属区"]
