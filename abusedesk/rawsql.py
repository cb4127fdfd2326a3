"""Hot read paths as one hand-written statement, prepared once per connection.

The instant lookups (who held this address, or this shared address and port, at this
instant) run once or more for every report. Through the ORM each costs more in
Python (compiling the query) and in PostgreSQL (planning it) than in executing it.
Here a statement's text is built once from the models' own metadata, PostgreSQL keeps
it prepared on each connection (psycopg's server-side binding with prepare=True;
SQLite through Django's cursor, whose statement cache does the same), and rows come
back as model instances through the backend's own converters.

Behind a connection pooler in transaction mode, use one that keeps protocol-level
prepared statements (PgBouncer 1.21 or later with max_prepared_statements set).

The statement still goes through Django's error wrapping, and it is logged in
connection.queries when queries are being captured, so tests can count it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

_NEVER = 2**62


def fetch(sql: str, params: Sequence) -> list[tuple]:
    """The rows of one statement (`%s` placeholders), prepared on PostgreSQL."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:  # logged by Django's debug cursor
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    logged = connection.queries_logged
    started = time.monotonic()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns preparing off for the connection (None), and then psycopg ignores
        # prepare=True as well. A threshold no statement reaches lets only the ones
        # asked for here be prepared; Django's own ClientCursor never prepares.
        raw.prepare_threshold = _NEVER
    with connection.wrap_database_errors:
        # A server-side-binding cursor on Django's own connection: same transaction,
        # same loaders.
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            rows = cursor.fetchall()
    if logged:
        connection.queries_log.append(
            {"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return rows


_READERS: dict[tuple, RowReader] = {}


def row_reader(*models: type[Model]) -> RowReader:
    """The RowReader of these models for the current connection's backend (cached)."""
    key = (connection.vendor, models)
    if key not in _READERS:
        _READERS[key] = RowReader(*models)
    return _READERS[key]


class RowReader:
    """Columns of several models side by side in one row, read back as instances.

    columns(alias, ...) gives the select list for the models in order, each with its
    table alias; read(row) returns one instance per model (None for a model whose
    primary key is NULL, as after a LEFT JOIN) and the columns after them. The
    converters are the backend's: build it through row_reader().
    """

    def __init__(self, *models: type[Model]):
        self._models = []
        for model in models:
            fields = model._meta.concrete_fields
            converters = []
            for field in fields:
                col = field.get_col(model._meta.db_table)
                funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                converters.append((col, funcs))
            pk_index = [f.attname for f in fields].index(model._meta.pk.attname)
            self._models.append((model, [f.attname for f in fields], converters, pk_index))

    def columns(self, *aliases: str) -> str:
        quote = connection.ops.quote_name
        return ", ".join(
            f"{alias}.{quote(field.column)}"
            for (model, _names, _conv, _pk), alias in zip(self._models, aliases, strict=True)
            for field in model._meta.concrete_fields
        )

    def read(self, row: Sequence) -> tuple[list[Model | None], Sequence]:
        objects: list[Model | None] = []
        offset = 0
        for model, names, converters, pk_index in self._models:
            part = row[offset : offset + len(names)]
            offset += len(names)
            if part[pk_index] is None:
                objects.append(None)
                continue
            values = []
            for value, (col, funcs) in zip(part, converters, strict=True):
                for func in funcs:
                    value = func(value, col, connection)
                values.append(value)
            objects.append(model.from_db(connection.alias, names, values))
        return objects, row[offset:]
