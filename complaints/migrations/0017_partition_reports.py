"""complaints_report becomes a table partitioned by ranges of id on PostgreSQL
(complaints/partitions.py says why by id and not by month). Django's model state does
not change; the primary key stays `id`, and the foreign keys that point at the reports
are made again against the partitioned table. SQLite keeps the plain table."""

from django.db import migrations


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from complaints.partitions import TABLE, partition_table
    from subscribers.partitions import is_partitioned

    if not is_partitioned(TABLE):
        partition_table()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0016_report_digest"),
    ]

    # No reverse: going back means copying into a plain table again, by hand.
    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
