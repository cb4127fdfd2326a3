"""An index on the mail log's time alone: the volume detection reads "every row of this
hour", hour by hour, after each import; with none, each hour read the whole primary-key
index (the cost of an import grew with the size of the log). On the partitioned table
PostgreSQL creates it on every month; they are named after it like the others."""

from django.db import migrations, models


def name_partition_indexes(apps, schema_editor):
    from subscribers.partitions import is_partitioned, name_indexes

    if is_partitioned("subscribers_maillogentry"):
        name_indexes("subscribers_maillogentry")


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0006_partition_traffic_logs"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="maillogentry",
            index=models.Index(fields=["at"], name="maillog_at"),
        ),
        migrations.RunPython(name_partition_indexes, migrations.RunPython.noop),
    ]
