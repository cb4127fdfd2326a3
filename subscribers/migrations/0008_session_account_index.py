"""The session table's index on the account alone goes: session_unique_account_range_start
leads with the account and serves the queries by account and the foreign key, and each
of the tens of millions of session rows a month paid for both (abusedesk.schema_indexes
says why the database is changed by hand)."""

import django.db.models.deletion
from django.db import migrations, models

from abusedesk.schema_indexes import single_column_indexes


def forwards(apps, schema_editor):
    single_column_indexes(schema_editor, "subscribers_session", "account_id")


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0007_maillog_at_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="session",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="sessions",
                        to="subscribers.account",
                    ),
                ),
            ],
        )
    ]
