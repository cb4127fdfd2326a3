"""The case queue's free-text search (complaints.services.triage.case_search_q) matches
the accused resource, the subject and the account ids by substring, case-insensitively:
`UPPER(col::text) LIKE UPPER('%text%')`. On PostgreSQL a trigram GIN index over that
expression answers it without reading every case (pg_trgm, a trusted extension since
PostgreSQL 13). SQLite has no trigram index: the operation does nothing there and the
search keeps scanning, which the embedded mode's sizes allow.
"""

from django.db import migrations

INDEXES = {
    "case_key_trgm": "key",
    "case_subject_trgm": "subject",
    "case_accounts_text_trgm": "accounts_text",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON complaints_case USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0012_mail_claim_lease")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
