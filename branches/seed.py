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
