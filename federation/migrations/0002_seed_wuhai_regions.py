from django.db import migrations

# Until this release the migrations seeded Wuhai's divisions and federation units. An installation now starts
# with no one's area: it loads its own with `manage.py load_divisions CODE` (the demo loads Wuhai that way). A
# database made before keeps what was seeded.


class Migration(migrations.Migration):
    dependencies = [("federation", "0001_people_and_places")]

    operations: list = []
