"""The operation log kept organisations' contact mobiles (and other mobiles in what changed) in full. Existing
entries are masked as new ones are (138****5678). A masked number cannot be restored: the reverse leaves them."""

from django.db import migrations

from federation.identifiers import mobile_mask

BATCH = 1000


def _masked(value, mobile=False):
    if isinstance(value, dict):
        return {key: _masked(item, mobile or "mobile" in str(key)) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, mobile) for item in value]
    if mobile and isinstance(value, str) and value and "*" not in value:
        return mobile_mask(value)
    return value


def operation_log_mask(apps, schema_editor):
    OperationLog = apps.get_model("federation", "OperationLog")
    changed = []
    for entry in OperationLog.objects.only("pk", "changes").iterator(chunk_size=BATCH):
        if "mobile" not in str(entry.changes):
            continue
        masked = _masked(entry.changes)
        if masked != entry.changes:
            entry.changes = masked
            changed.append(entry)
        if len(changed) >= BATCH:
            OperationLog.objects.bulk_update(changed, ["changes"])
            changed = []
    OperationLog.objects.bulk_update(changed, ["changes"])


class Migration(migrations.Migration):
    dependencies = [("federation", "0007_notifications_text_unescaped")]

    operations = [migrations.RunPython(operation_log_mask, migrations.RunPython.noop)]
