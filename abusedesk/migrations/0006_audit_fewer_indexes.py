"""Every audit entry is inserted and then sealed (seq and hashes written): the entry
hash's two indexes go (the chain is walked in seq order, never looked up by hash), and
the action keeps its plain index without the LIKE companion (abusedesk.schema_indexes)."""

from django.db import migrations, models

from abusedesk.schema_indexes import single_column_indexes


def forwards(apps, schema_editor):
    single_column_indexes(schema_editor, "abusedesk_auditentry", "entry_hash")
    single_column_indexes(schema_editor, "abusedesk_auditentry", "action", keep_as="audit_action_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("abusedesk", "0005_apitoken_scope"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)],
            state_operations=[
                migrations.AlterField(model_name="auditentry", name="action", field=models.CharField(max_length=64)),
                migrations.AlterField(
                    model_name="auditentry", name="entry_hash", field=models.CharField(blank=True, max_length=64)
                ),
                migrations.AddIndex(
                    model_name="auditentry", index=models.Index(fields=["action"], name="audit_action_idx")
                ),
            ],
        )
    ]
