"""COPY reference for a first load, taken the way the importers load an empty partition.

    python bench/copy_child.py TABLE COLUMNS PATH

COPY of the tab-separated rows into a table shaped like the partition they belong to
(`_old` or a month, found from the first row), then that partition's keys, indexes and
foreign keys built on the loaded rows, then the swap (subscribers/partitions.py): the
fastest way PostgreSQL has to load those rows into the table with every index and
constraint in place. When the rows do not all fall into that one partition, or it is
not empty, the reference is plain COPY into the table. Prints one JSON line: seconds
and how the rows were loaded.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    table, columns, path = sys.argv[1:]
    import django

    django.setup()
    from django.db import DatabaseError, connection, transaction

    from subscribers import partitions

    names = [c.strip() for c in columns.split(",")]
    with open(path) as source:
        first = dict(zip(names, source.readline().rstrip("\n").split("\t"), strict=False))
    column = partitions._BY_TABLE[table].column
    targets = [
        t
        for t in (partitions.load_targets(table) if partitions.is_partitioned(table) else [])
        if partitions._rows(f"SELECT {t.condition} FROM (SELECT %s::timestamptz AS {column}) AS row", [first[column]])[0][0]
    ]

    def copy_into(name: str) -> None:
        with connection.cursor() as cursor, open(path, "rb") as source:
            with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                while block := source.read(1 << 20):
                    copy.write(block)

    how = "plain COPY into the table"
    t0 = time.perf_counter()
    swapped = False
    if targets:
        target = targets[0]
        try:
            with transaction.atomic():
                load = partitions.load_table_create(table, target)
                sequence = partitions._rows("SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
                partitions._execute(f"ALTER TABLE {load} ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
                copy_into(load)
                partitions._execute(f"ALTER TABLE {load} ALTER COLUMN id DROP DEFAULT")
                partitions.load_table_finish(target, load)
                if not partitions.load_table_swap(table, target, load):
                    raise DatabaseError("not swapped")
            swapped = True
            how = f"COPY into a table of its own, swapped in for {target.name}"
        except DatabaseError:
            t0 = time.perf_counter()
    if not swapped:
        with transaction.atomic():
            copy_into(table)
    print(json.dumps({"seconds": time.perf_counter() - t0, "how": how}))


if __name__ == "__main__":
    main()
