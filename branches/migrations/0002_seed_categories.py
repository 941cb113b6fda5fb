from django.db import migrations

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


def forward(apps, schema_editor):
    Category = apps.get_model("branches", "Category")
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(code=code, defaults={"name": name, "order": order * 10})


def backward(apps, schema_editor):
    apps.get_model("branches", "Category").objects.filter(code__in=[code for code, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0001_organisations_ledger")]

    operations = [migrations.RunPython(forward, backward)]
