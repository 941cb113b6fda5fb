"""What a register's row says without a column for it: the field (三新领域) from the credit code or the unit type.

Each inferred value is written with its provenance marked (value_sources: "how": "inferred", "from": the column
it came from), so the organisation's page says it was worked out, not read. An inferred value only fills a new
record: it never changes what a record already holds.
"""

from __future__ import annotations

from branches.models import UNIT_TYPE_FIELD, SanxinField, UnitType

# Characters 1–2 of a credit code (GB 32100-2015): the registering body and the kind of entity it registered.
USCC_KIND_FIELDS: dict[str, str] = {
    "51": SanxinField.SOCIAL,  # 社会团体
    "52": SanxinField.SOCIAL,  # 民办非企业单位 (社会服务机构)
    "53": SanxinField.SOCIAL,  # 基金会
    "59": SanxinField.SOCIAL,  # other bodies registered by civil affairs
    "91": SanxinField.ECONOMIC,  # 企业
    "92": SanxinField.ECONOMIC,  # 个体工商户
    "93": SanxinField.ECONOMIC,  # 农民专业合作社
}
# Unit types whose people are new employment groups whatever their employer is registered as (a 91 express outlet).
EMPLOYMENT_UNIT_TYPES = frozenset({UnitType.EXPRESS, UnitType.FOOD_DELIVERY, UnitType.RIDE_HAILING})

INFERRED, DEFAULT = "inferred", "default"


def field_from_uscc(code: str) -> str | None:
    """The field a credit code's registering body and kind name (51… → 新社会组织, 91… → 新经济组织), or None."""
    return USCC_KIND_FIELDS.get(code[:2]) if code else None


def field_infer(*, unit_type: str | None, uscc: str) -> tuple[str, str] | None:
    """(field, the column it was worked out from) for a row without a field of its own, or None.

    First rule that applies: a new-employment unit type (快递物流, 外卖配送, 网约车, even with a 91 code); the credit
    code's characters 1–2; any other unit type's usual field.
    """
    if unit_type in EMPLOYMENT_UNIT_TYPES:
        return SanxinField.EMPLOYMENT, "unit_type"
    from_code = field_from_uscc(uscc)
    if from_code:
        return from_code, "uscc"
    if unit_type in UNIT_TYPE_FIELD:
        return UNIT_TYPE_FIELD[UnitType(unit_type)], "unit_type"
    return None
