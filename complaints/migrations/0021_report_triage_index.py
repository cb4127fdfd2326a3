"""The reports in manual triage (the few the desk could not process), for the home page
and the report list's filter: a partial index, a few entries however many reports."""

from django.db import migrations, models


def name_partition_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from subscribers.partitions import is_partitioned, name_indexes

        if is_partitioned("complaints_report"):
            name_indexes("complaints_report")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0020_evidence_response_wire"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("status", "manual_triage")), fields=["received_at"], name="report_triage_idx"
            ),
        ),
        migrations.RunPython(name_partition_indexes, migrations.RunPython.noop, elidable=False),
    ]
