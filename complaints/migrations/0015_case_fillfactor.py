"""Room on each page of complaints_case for a changed row's new version (fillfactor 75,
PostgreSQL only).

A case is updated far more than it is inserted: every re-evaluation writes its
recommendation, levels and time. With full pages (the default fillfactor 100) each such
update is a new row version on another page, and every index of the table, three trigram
GIN indexes among them, gets a new entry. With free space on the page and no indexed
value changed, PostgreSQL keeps the new version on the same page and touches no index
(a HOT update). Re-evaluating 13,350 open cases after a criteria edit (bench/reeval.py,
load ~1): 1,864-1,999 cases/s before, 2,217-2,661 after.

The setting applies to pages written from now on; an existing table gets it for all its
rows when it is rewritten (`VACUUM FULL complaints_case`, or pg_repack without the
exclusive lock). SQLite has no such setting: nothing to do there.
"""

from django.db import migrations

FILLFACTOR = 75


def apply(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE complaints_case SET (fillfactor = {FILLFACTOR})")


def revert(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE complaints_case RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0014_case_untouched_order_index")]

    operations = [migrations.RunPython(apply, revert, elidable=False)]
