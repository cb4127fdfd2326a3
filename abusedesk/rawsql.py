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

import functools
import time
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

_NEVER = 2**62


def fetch(sql: str, params: Sequence) -> list[tuple]:
    """The rows of one statement (`%s` placeholders), prepared on PostgreSQL."""
    return _run(sql, params, lambda cursor: cursor.fetchall())


def execute(sql: str, params: Sequence) -> int:
    """Run one statement that returns no rows (prepared on PostgreSQL); its row count."""
    return _run(sql, params, lambda cursor: cursor.rowcount)


def _run(sql: str, params: Sequence, result):
    # The connection looked up once: each use of django.db.connection (a proxy to this
    # thread's connection) is a lookup of its own, a dozen per statement.
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:  # Django's cursor: logged, wrapped
            cursor.execute(sql, params)
            return result(cursor)
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

            def run(sql, params, many, context):
                cursor.execute(sql, params, prepare=True)

            # Through the connection's execute_wrappers, as Django's own cursor runs a
            # statement: whoever counts or watches the statements sees these too.
            for wrapper in reversed(connection.execute_wrappers):
                run = functools.partial(wrapper, run)
            run(sql, params, False, {"connection": connection, "cursor": cursor})
            out = result(cursor)
    if logged:
        connection.queries_log.append(
            {"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return out


def insert(objs: Sequence[Model]) -> None:
    """INSERT these unsaved instances of one model in one statement, as bulk_create
    does (each field's pre_save and get_db_prep_save), primary keys set from RETURNING."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not objs:
        return
    model = type(objs[0])
    if not connection.features.can_return_rows_from_bulk_insert:  # SQLite before 3.35
        for obj in objs:
            obj.save(force_insert=True)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    key = ("insert", connection.vendor, model, len(objs))
    sql = _STATEMENTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = _STATEMENTS[key] = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(objs))} RETURNING {quote(meta.pk.column)}"
        )
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    for obj, (pk,) in zip(objs, fetch(sql, params), strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


def update(obj: Model, names: Sequence[str]) -> int:
    """UPDATE these fields of a saved instance by its primary key, as save(update_fields=)
    does (each field's pre_save and get_db_prep_save); the row count."""
    connection = connections[DEFAULT_DB_ALIAS]
    meta = obj._meta
    fields = [meta.get_field(name) for name in names]
    key = ("update", connection.vendor, type(obj), tuple(names))
    sql = _STATEMENTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        where = f"{quote(meta.pk.column)} = %s"
        sql = _STATEMENTS[key] = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {where}"  # noqa: S608
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    return execute(sql, [*params, obj.pk])


_READERS: dict[tuple, RowReader] = {}
_STATEMENTS: dict[tuple, str] = {}  # the text of each `instances` statement, per reader


def row_reader(*models: type[Model], omit: tuple[str, ...] = ()) -> RowReader:
    """The RowReader of these models for the current connection's backend (cached).
    `omit`: field names left out of every model's columns (deferred on the instances)."""
    key = (connections[DEFAULT_DB_ALIAS].vendor, models, omit)
    if key not in _READERS:
        _READERS[key] = RowReader(*models, omit=omit)
    return _READERS[key]


def instances(model: type[Model], where: str, params: Sequence, *, tail: str = "",
              omit: tuple[str, ...] = (), for_update: bool = False) -> list[Model]:  # fmt: skip
    """Instances of `model` from one hand-written statement: its columns FROM its table
    (alias `t`) WHERE `where` `tail` ("ORDER BY ... LIMIT 1"), prepared on PostgreSQL.
    For a read on every report, where the ORM's compiling cost more than the query.
    `for_update` locks the rows where the backend can (as select_for_update does)."""
    reader = row_reader(model, omit=omit)
    key = (reader, where, tail, for_update)
    sql = _STATEMENTS.get(key)
    if sql is None:
        connection = connections[DEFAULT_DB_ALIAS]
        table = connection.ops.quote_name(model._meta.db_table)
        sql = f"SELECT {reader.columns('t')} FROM {table} t WHERE {where}"  # noqa: S608
        if tail:
            sql += f" {tail}"
        if for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        _STATEMENTS[key] = sql
    return [reader.read(row)[0][0] for row in fetch(sql, params)]


def instance(model: type[Model], where: str, params: Sequence, **kwargs) -> Model:
    """The one instance `instances` finds; `model.DoesNotExist` as the ORM's get() raises."""
    found = instances(model, where, params, **kwargs)
    if not found:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return found[0]


class RowReader:
    """Columns of several models side by side in one row, read back as instances.

    columns(alias, ...) gives the select list for the models in order, each with its
    table alias; read(row) returns one instance per model (None for a model whose
    primary key is NULL, as after a LEFT JOIN) and the columns after them. The
    converters are the backend's: build it through row_reader().
    """

    def __init__(self, *models: type[Model], omit: tuple[str, ...] = ()):
        connection = connections[DEFAULT_DB_ALIAS]
        self._models = []
        self._fields: list[list] = []
        for model in models:
            fields = [f for f in model._meta.concrete_fields if f.name not in omit]
            converters = []
            for field in fields:
                col = field.get_col(model._meta.db_table)
                funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                converters.append((col, funcs))
            pk_index = [f.attname for f in fields].index(model._meta.pk.attname)
            self._models.append((model, [f.attname for f in fields], converters, pk_index))
            self._fields.append(fields)

    def columns(self, *aliases: str) -> str:
        connection = connections[DEFAULT_DB_ALIAS]
        quote = connection.ops.quote_name
        return ", ".join(
            f"{alias}.{quote(field.column)}"
            for fields, alias in zip(self._fields, aliases, strict=True)
            for field in fields
        )

    def read(self, row: Sequence) -> tuple[list[Model | None], Sequence]:
        connection = connections[DEFAULT_DB_ALIAS]
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
