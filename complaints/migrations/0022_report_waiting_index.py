"""The reports still waiting for their processing (status "received"), oldest first: the
intake drains claim them from it, and the recovery sweep finds those left behind."""

from django.db import migrations, models


def name_partition_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from subscribers.partitions import is_partitioned, name_indexes

        if is_partitioned("complaints_report"):
            name_indexes("complaints_report")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0021_report_triage_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="report",
            index=models.Index(condition=models.Q(("status", "received")), fields=["id"], name="report_waiting_idx"),
        ),
        migrations.RunPython(name_partition_indexes, migrations.RunPython.noop, elidable=False),
    ]
