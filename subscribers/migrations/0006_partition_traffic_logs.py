"""The session, mail and NAT port-block logs become monthly partitioned tables on
PostgreSQL (subscribers/partitions.py). Django's model state does not change: `id`
stays the model's primary key, the database's is (id, time column). SQLite keeps the
plain tables."""

from django.db import migrations

TABLES = ("subscribers_session", "subscribers_maillogentry", "subscribers_natportblock")


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from subscribers.partitions import is_partitioned, partition_table

    for table in TABLES:
        if not is_partitioned(table):
            partition_table(table)


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0005_shared_ipv4_blocks_and_nat_port_blocks"),
    ]

    # No reverse: going back means copying into plain tables again, by hand.
    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
