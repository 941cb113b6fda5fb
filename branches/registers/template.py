"""The blank import template a person downloads from the import page: a sheet headed with the standard header
of every ledger key and one example row (whose USCC an import recognises, to warn when it was not deleted), and
a sheet of notes on how to fill each column in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from .columns import FIELD_ALIASES, YES_NO_FIELDS, standard_headers

TEMPLATE_SHEET = "台账导入"
TEMPLATE_NOTES_SHEET = "填写说明"
#: USCC of the template's example row, so an import can warn when the example was not deleted.
TEMPLATE_EXAMPLE_USCC = "91150302MA01231035"


@dataclass(frozen=True)
class TemplateArea:
    """The installation's own places, for the template's example row and notes (the person's area)."""

    city: str = "××市"
    district: str = "××区"
    street: str = "××街道"
    districts: list[str] = field(default_factory=list)  # the districts (counties) a row may name
    streets: list[str] = field(default_factory=list)  # a few streets and towns, as examples


def template_example(area: TemplateArea) -> dict[str, Any]:
    return {
        **TEMPLATE_EXAMPLE,
        "name": f"{area.city}{area.district}示例科技有限公司",
        "district": area.district,
        "street": area.street,
        "address": f"{area.city}{area.district}{area.street}示例路88号",
    }


def template_notes(area: TemplateArea) -> dict[str, tuple[str, str]]:
    districts = "、".join(area.districts) or area.district
    streets = "、".join(area.streets) or area.street
    return {
        **TEMPLATE_NOTES,
        "name": ("必填", f"填写营业执照或登记证书上的全称，如“{area.city}{area.district}××科技有限公司”。"),
        "district": ("建议填写", f"填写所属区县，如{districts}。"),
        "street": ("建议填写", f"填写街道或乡镇全称，如{streets}。"),
    }


TEMPLATE_EXAMPLE: dict[str, Any] = {
    "name": "××市××区示例科技有限公司",
    "uscc": TEMPLATE_EXAMPLE_USCC,
    "district": "××区",
    "street": "××街道",
    "field": "新经济组织",
    "unit_type": "民营企业",
    "industry": "信息传输、软件和信息技术服务业",
    "address": "××市××区××街道示例路88号",
    "employees": 56,
    "women": 23,
    "contact_name": "王示例",
    "contact_mobile": "13900000000",
    "party_org": "是",
    "trade_union": "否",
    "categories": "民营企业百强、高新技术企业",
    "founded_on": "2019-03-05",
}

TEMPLATE_NOTES: dict[str, tuple[str, str]] = {
    "name": ("必填", "填写营业执照或登记证书上的全称。"),
    "uscc": ("建议填写", "18位，由数字和大写英文字母组成，见营业执照或登记证书；本列请保持“文本”格式。"),
    "district": ("建议填写", "填写所属区县。"),
    "street": ("建议填写", "填写街道或乡镇全称。"),
    "field": ("建议填写", "三新类别：新经济组织、新社会组织或新就业群体。"),
    "unit_type": ("选填", "如民营企业、个体工商户、分支机构、商圈市场、社会团体、民办非企业单位、基金会。"),
    "industry": ("选填", "按国民经济行业分类填写门类名称，如批发和零售业，交通运输、仓储和邮政业。"),
    "address": ("选填", "实际经营或办公地址。"),
    "employees": ("建议填写", "整数，单位：人；社会组织填写会员数。"),
    "women": ("建议填写", "整数，单位：人；不应大于职工总数。"),
    "contact_name": ("建议填写", "联系人姓名。"),
    "contact_mobile": ("建议填写", "11位手机号，或带区号的固定电话，如“区号-电话号码”。"),
    "party_org": ("建议填写", "填“是”或“否”（也可填有/无、已建/未建、√/×）。"),
    "trade_union": ("建议填写", "填“是”或“否”（也可填有/无、已建/未建、√/×）。"),
    "categories": ("选填", "自定义标签，多个标签用顿号或逗号分隔，如“民营企业百强、快递物流”。"),
    "founded_on": ("选填", "成立或登记日期，如2019-03-05、2019/3/5或2019年3月5日。"),
}


def import_template_xlsx(area: TemplateArea | None = None) -> bytes:
    """Build the blank import template (台账导入 + 填写说明 sheets) as XLSX bytes, its example and notes naming
    the area's own places."""
    area = area or TemplateArea()
    example, notes_by_key = template_example(area), template_notes(area)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    keys = list(FIELD_ALIASES)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    sheet.append(standard_headers())
    sheet.append([example.get(key, "") for key in keys])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FCE4EC")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = {"name": 36, "uscc": 22, "industry": 28, "address": 36, "categories": 28, "contact_mobile": 16}
    for position, key in enumerate(keys, start=1):
        letter = get_column_letter(position)
        width = widths.get(key, max(10, 2 * len(FIELD_ALIASES[key][0]) + 4))
        sheet.column_dimensions[letter].width = width
        if key in ("uscc", "contact_mobile"):
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=position).number_format = "@"
        if key in YES_NO_FIELDS:
            validation = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            validation.add(f"{letter}2:{letter}5000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"

    notes = workbook.create_sheet(TEMPLATE_NOTES_SHEET)
    notes.append(["列名", "是否必填", "填写说明"])
    for cell in notes[1]:
        cell.font = bold
        cell.fill = fill
    for key in keys:
        required, note = notes_by_key[key]
        notes.append([FIELD_ALIASES[key][0], required, note])
    notes.append([])
    notes.append(["注意", "", "“台账导入”表第2行为示例数据，导入前请删除；表头请勿修改，每个单位占一行。"])
    notes.append(["", "", "也可直接上传其他部门的名录（Excel或CSV），系统会自动识别常见列名。"])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 80
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
