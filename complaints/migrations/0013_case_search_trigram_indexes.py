"""The case queue's free-text search (complaints.services.triage.case_search_q) matches
the accused resource, the subject and the account ids by substring, case-insensitively:
`UPPER(col::text) LIKE UPPER('%text%')`. On PostgreSQL a trigram GIN index over that
expression answers it without reading every case (pg_trgm, a trusted extension since
PostgreSQL 13). SQLite has no trigram index: the operation does nothing there and the
search keeps scanning, which the embedded mode's sizes allow.

Every update of a case (each report it gets) adds its trigrams to the indexes. GIN
batches those in a pending list that every search reads in full; its limit is lowered
from the server's 4 MB to 512 kB, so a search reads at most 64 pending pages. At 1 M
reports / 200 k cases after a bulk load, 4 MB pending lists made the address search
~1 s; with them flushed it took ~6 ms.
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
            f'CREATE INDEX IF NOT EXISTS {name} ON complaints_case USING gin (UPPER("{column}"::text) gin_trgm_ops) '
            "WITH (gin_pending_list_limit = 512)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0012_mail_claim_lease")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
