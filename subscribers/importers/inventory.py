"""import_inventory: subscribers.csv, accounts.csv and netblocks.csv from one directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from subscribers import services
from subscribers.importers.common import (
    NOTE,
    ImportFileError,
    ImportResult,
    csv_rows,
    encoding_checked,
    read_lines,
    run_batched,
)

SUBSCRIBERS = ("subscribers.csv", ["subscriber_id", "name", "email", "kind", "status"])
ACCOUNTS = ("accounts.csv", ["account_id", "subscriber_id", "kind", "identifier", "status"])
NETBLOCKS = ("netblocks.csv", ["prefix", "kind", "assigned_to", "sub_allocated_to", "abuse_contact"])
# A netblocks.csv may carry a shared block's MAP-E rule (RFC 7597) in three more columns.
MAP_RULE_COLUMNS = ["map_rule_ipv6", "map_ea_bits", "map_psid_offset"]


def _subscriber(row: dict) -> services.Outcome:
    return services.subscriber_upsert(**row)[1]


def _account(row: dict) -> services.Outcome:
    return services.account_upsert(**row)[1]


def _netblock(row: dict) -> services.Outcome:
    return services.block_upsert(
        prefix=row["prefix"],
        kind=row["kind"],
        account_id=row["assigned_to"],
        sub_allocated_to=row["sub_allocated_to"],
        abuse_contact=row["abuse_contact"],
        map_rule_ipv6=row.get("map_rule_ipv6", ""),
        map_ea_bits=row.get("map_ea_bits") or None,
        map_psid_offset=row.get("map_psid_offset") or None,
    )[1]


def inventory_files(directory: str | Path) -> list[Path]:
    """The inventory files DIR holds, in the order they are imported."""
    directory = Path(directory)
    names = [name for name, _header in (SUBSCRIBERS, ACCOUNTS, NETBLOCKS)]
    return [directory / name for name in names if (directory / name).is_file()]


def import_inventory(directory: str | Path, *, encoding: str | None = None) -> Iterator[ImportResult]:
    """Import the three files in dependency order; a missing one is skipped with a note.
    `encoding` is the files' (UTF-8 by default; cp932 for a Japanese spreadsheet's export)."""
    encoding = encoding_checked(encoding)
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFileError(f"{directory} is not a directory")
    files = [
        (directory / name, header, apply)
        for (name, header), apply in (
            (SUBSCRIBERS, _subscriber),
            (ACCOUNTS, _account),
            (NETBLOCKS, _netblock),
        )
    ]
    if not any(path.exists() for path, _, _ in files):
        names = ", ".join(path.name for path, _, _ in files)
        raise ImportFileError(f"{directory} holds none of {names}")
    for path, header, apply in files:
        label = str(path)
        if not path.exists():
            yield ImportResult(label, 0, NOTE, "not found; skipped")
            continue

        def handle(line: int, row: dict, label=label, apply=apply) -> list[ImportResult]:
            return [ImportResult(label, line, apply(row))]

        if header is NETBLOCKS[1] and _first_line(path).count(",") == len(header) + len(MAP_RULE_COLUMNS) - 1:
            header = header + MAP_RULE_COLUMNS
        yield from run_batched(label, csv_rows(path, header, encoding=encoding), handle)


def _first_line(path: Path) -> str:
    lines = read_lines(path, strict=False)
    try:
        return next(lines, (0, ""))[1]
    finally:
        lines.close()
