"""Dropping the indexes Django made for `db_index=True` on hot tables, in migrations.

On PostgreSQL a CharField with db_index=True gets two indexes: a plain one and a LIKE
companion (varchar_pattern_ops), and a ForeignKey gets one even when a composite index
already leads with its column. Every row written (and every update that touches an
indexed column) pays for each of them. The migrations that remove them change the
model state with AlterField/AddIndex and the database with `single_column_indexes`,
so that foreign keys are not dropped and made again (AlterField would, and on a
partitioned table that checks every row) and a kept index is renamed, not rebuilt.
"""

from __future__ import annotations


def single_column_indexes(schema_editor, table: str, column: str, *, keep_as: str | None = None) -> None:
    """Drop the non-unique indexes over `column` alone on `table`; with `keep_as`, the
    plain one stays under that name (renamed on PostgreSQL, made again on SQLite)."""
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
        names = sorted(
            name
            for name, info in found.items()
            if info["index"] and not (info["unique"] or info["primary_key"])
            and info["columns"] == [column] and name != keep_as
        )
        renamed = False
        for name in names:
            if keep_as and not renamed and connection.vendor == "postgresql" and not name.endswith("_like"):
                cursor.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(keep_as)}")
                renamed = True
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
        if keep_as:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {quote(keep_as)} ON {quote(table)} ({quote(column)})")
