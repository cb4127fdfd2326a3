"""What every importer shares: results, file errors, CSV reading, batched writes."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction

from subscribers.services import InventoryError

BATCH_SIZE = 1000

# Outcomes beyond the services' created/updated/unchanged.
REJECTED = "rejected"
IGNORED = "ignored"  # a line the importer has no use for (other daemons' syslog lines)
JOINED = "joined"  # a Postfix cleanup line whose message-id went onto its submission
NOTE = "note"  # not a record: something the operator should know about a record


@dataclass(frozen=True)
class ImportResult:
    """The outcome of one line, or (count > 1) of that many lines with no line to name."""

    file: str
    line: int
    outcome: str
    message: str = ""
    count: int = 1


class ImportFileError(InventoryError):
    """The file as a whole cannot be imported (missing, unreadable, bad header)."""


Row = tuple[int, Any]
Handler = Callable[[int, Any], list[ImportResult]]


DEFAULT_ENCODING = "utf-8-sig"  # UTF-8, with or without the byte-order mark spreadsheets write


def encoding_checked(encoding: str | None) -> str:
    """The codec's name, or an ImportFileError naming the unknown one."""
    if not encoding:
        return DEFAULT_ENCODING
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(f"unknown encoding {encoding!r} (e.g. utf-8, cp932, euc-jp)") from None
    return DEFAULT_ENCODING if name == "utf-8" else name


def open_text(path: str | Path, *, strict: bool = True, encoding: str = DEFAULT_ENCODING) -> TextIO:
    """Open for reading (UTF-8 by default). strict=False replaces undecodable bytes (raw logs)."""
    try:
        return open(path, encoding=encoding, errors="strict" if strict else "replace", newline="")
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def undecodable(path: str | Path, encoding: str) -> ImportFileError:
    """The error for a file that does not decode, naming its first bad line.

    A text stream decodes ahead of the line being read (a chunk at a time), so the line
    the reader stood on when decoding failed is not the bad one: read the bytes again.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    try:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):  # noqa: B007
                decoder.decode(line)
            decoder.decode(b"", final=True)  # a character cut off by the end of the file
    except UnicodeDecodeError:
        pass
    except OSError as exc:
        return ImportFileError(f"cannot read {path}: {exc.strerror or exc}")
    named = "UTF-8" if encoding == DEFAULT_ENCODING else encoding
    hint = " (a spreadsheet's Japanese export? give --encoding cp932)" if encoding == DEFAULT_ENCODING else ""
    return ImportFileError(f"{path}: line {number} is not {named}{hint}")


def without_nul(lines: Iterable[str]) -> Iterator[str]:
    """Lines with each NUL as U+FFFD: PostgreSQL text cannot hold NUL (COPY and INSERT fail and
    abort the import's transaction), and a value with one is then rejected for what it is."""
    for line in lines:
        yield line.replace("\x00", "\ufffd") if "\x00" in line else line


def read_lines(path: str | Path, *, strict: bool = True) -> Iterator[tuple[int, str]]:
    """(line number, line without end-of-line) for each line; decoding errors are file errors."""
    with open_text(path, strict=strict) as handle:
        try:
            for number, line in enumerate(without_nul(handle), start=1):
                yield number, line.rstrip("\r\n")
        except UnicodeDecodeError:
            raise undecodable(path, DEFAULT_ENCODING) from None
        except OSError as exc:
            raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def csv_rows(
    path: str | Path, header: list[str], *, encoding: str = DEFAULT_ENCODING
) -> Iterator[ImportResult | Row]:
    """(line, {column: value}) per data row; a row of the wrong width is rejected."""
    label = str(path)
    with open_text(path, encoding=encoding) as handle:
        reader = csv.reader(without_nul(handle))
        try:
            found = [h.strip().lower() for h in next(reader, [])]
            if found != header:
                # One line, however the file is broken: an unclosed quote in the header
                # makes the reader take the lines after it into the "header".
                shown = " ".join(",".join(found).split())
                shown = shown if len(shown) <= 120 else shown[:117] + "..."
                expected = ",".join(header)
                raise ImportFileError(f"{label}: header must be {expected}, found {shown or 'nothing'}")
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    reason = f"expected {len(header)} fields, found {len(row)}"
                    yield ImportResult(label, reader.line_num, REJECTED, reason)
                    continue
                yield reader.line_num, dict(zip(header, (cell.strip() for cell in row), strict=True))
        except UnicodeDecodeError:
            raise undecodable(path, encoding) from None
        except csv.Error as exc:
            raise ImportFileError(f"{label}: line {reader.line_num}: {exc}") from None


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def run_batched(file: str, items: Iterable[ImportResult | Row], handle: Handler) -> Iterator[ImportResult]:
    """Apply `handle` to each row, a transaction per batch and a savepoint per row.

    Results are yielded after each batch commits, never from inside a transaction, so
    a consumer that stops early cannot leave one open. An InventoryError rejects its row
    only.
    """
    for chunk in _batched(items, BATCH_SIZE):
        results: list[ImportResult] = []
        with transaction.atomic():
            for item in chunk:
                if isinstance(item, ImportResult):
                    results.append(item)
                    continue
                line, payload = item
                try:
                    with transaction.atomic():
                        results.extend(handle(line, payload))
                except ImportFileError:
                    raise
                except InventoryError as exc:
                    results.append(ImportResult(file, line, REJECTED, str(exc)))
        yield from results


class BoundedCache(dict):
    """A lookup cache that forgets everything once it grows past `limit` entries."""

    def __init__(self, limit: int = 100_000):
        super().__init__()
        self.limit = limit

    def get_or_load(self, key, load: Callable[[Any], Any]):
        if key not in self:
            if len(self) >= self.limit:
                self.clear()
            self[key] = load(key)
        return self[key]
