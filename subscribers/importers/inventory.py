"""import_inventory: subscribers.csv, accounts.csv and netblocks.csv from one directory."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
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
# Columns a file may add after its own, by name: since when the account is its
# subscriber's, since when the block is its account's or holder's (ISO 8601 with an
# offset). Blank, or no such column: a change of holder is dated by the import itself.
OPTIONAL_COLUMNS = {
    SUBSCRIBERS[0]: [],
    ACCOUNTS[0]: ["subscriber_since"],
    NETBLOCKS[0]: [*MAP_RULE_COLUMNS, "holder_since"],
}


def _subscriber(row: dict) -> services.Outcome:
    return services.subscriber_upsert(**row)[1]


def _account(row: dict) -> services.Outcome:
    since = _instant(row.pop("subscriber_since", ""), "subscriber_since")
    return services.account_upsert(**row, subscriber_since=since)[1]


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
        holder_since=_instant(row.get("holder_since", ""), "holder_since"),
    )[1]


def _instant(text: str, field: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise services.InventoryError(f"{field} {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise services.InventoryError(
            f"{field} {text!r} has no UTC offset; attribution compares instants (add e.g. +09:00 or Z)"
        )
    return value


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

        header = _header(path, header, OPTIONAL_COLUMNS[path.name])
        yield from run_batched(label, csv_rows(path, header, encoding=encoding), handle)


def _header(path: Path, required: list[str], optional: list[str]) -> list[str]:
    """The file's own header when it is the required columns followed by optional ones
    (each at most once, in any order); otherwise the required header, which csv_rows
    then refuses with what it found."""
    found = [name.strip().lower() for name in next(csv.reader([_first_line(path)]), [])]
    extra = found[len(required) :]
    if found[: len(required)] == required and len(set(extra)) == len(extra) and set(extra) <= set(optional):
        return found
    if extra and optional and found[: len(required)] == required:
        raise ImportFileError(
            f"{path}: header must be {','.join(required)}, then any of {','.join(optional)}; "
            f"found {','.join(found)}"
        )
    return required


def _first_line(path: Path) -> str:
    lines = read_lines(path, strict=False)
    try:
        return next(lines, (0, ""))[1]
    finally:
        lines.close()
