"""Default categories (admin-editable afterwards); they drive the coverage figures."""

CATEGORIES = [
    ("top100", "百强民营企业"),
    ("above_scale", "规上企业"),
    ("women_social", "女性社会组织"),
    ("associations", "行业协会商会"),
    ("express", "快递行业"),
    ("food_delivery", "外卖配送"),
    ("ride_hailing", "网约车"),
    ("business_district", "商圈楼宇园区"),
]


def categories_seed(category_model) -> None:
    """Create the default categories that are missing (takes the model so migrations can call it)."""
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        category_model.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})


# unit type → the codes of the categories it brings (a register import adds them, marked as inferred)
UNIT_TYPE_CATEGORIES = [
    ("women_social", "women_social"),
    ("express", "express"),
    ("food_delivery", "food_delivery"),
    ("ride_hailing", "ride_hailing"),
    ("business_district", "business_district"),
]


def unit_type_categories_seed(rule_model, category_model) -> None:
    """Create the default unit type → category rules whose category exists (takes the models, for migrations)."""
    categories = {category.code: category for category in category_model.objects.all()}
    for unit_type, code in UNIT_TYPE_CATEGORIES:
        if code in categories:
            rule_model.objects.get_or_create(unit_type=unit_type, category=categories[code])


# stage → the default checklist staff tick before an organisation counts as having reached it
CHECKLIST = [
    ("established", "已确定妇联工作联系人或已成立妇女组织"),
    ("consolidating", "执委会（委员）配备齐全"),
    ("consolidating", "建立工作制度"),
    ("consolidating", "有固定活动场所（妇女之家）"),
    ("enhancing", "定期开展品牌服务活动并有成效"),
]
FORMS = ["federation", "committee", "group", "liaison", "community", "group_member"]


def checklist_seed(item_model) -> None:
    """Create the default stage checklist when there is none."""
    if item_model.objects.exists():
        return
    for order, (stage, label) in enumerate(CHECKLIST, start=1):
        item_model.objects.create(stage=stage, label=label, order=order)


def term_rules_seed(rule_model) -> None:
    """Five-year terms for every form unless an admin set otherwise."""
    for form in FORMS:
        rule_model.objects.get_or_create(form=form, unit_type="", defaults={"years": 5})
