"""import_natlog: carrier-grade NAT port-block allocations, from CSV or NAT syslog.

CSV (header address,port_start,port_end,start,stop,account_id; ISO 8601 times with
offsets, an empty stop = still allocated) names the account itself.

Syslog: the port-block allocation (PBA) messages of a CGN as Juniper SRX/MX print them,
one per allocation, release and interim re-announcement:

    2026-12-01T09:00:00+09:00 cgn1 RT_NAT: RT_SRC_NAT_PBA_ALLOC: Subscriber 100.64.1.2
        used/allocated port range [1024-2047] from interface 198.18.0.10 with pool name p1

(one line in the file). The timestamp is the collector's RFC 3339 one (rsyslog's
high-precision format, or RFC 5424 `<pri>1 TIMESTAMP`): a traditional "Dec  1 09:00:00"
has neither year nor zone and is refused. A line names the subscriber's inside address
(its private or shared-space address, or a DS-Lite B4's IPv6 address), not an account:
the account is the session log's holder of that address when the block was allocated,
so the session log must be imported first (an allocation stamped up to CLOCK_SKEW
before a session of the address begins is that session's; see _inside_holder). The
lookup checks that holder again at the spam's time (selectors.shared_address_at).
Other lines are counted as ignored.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from django.db import connection

from subscribers import ipkeys, services
from subscribers.choices import NatLogSource
from subscribers.importers.common import (
    IGNORED,
    NOTE,
    BoundedCache,
    ImportFileError,
    ImportResult,
    csv_rows,
    read_lines,
    run_batched,
)
from subscribers.models import Account, NatPortBlock, Session
from subscribers.selectors import session_at
from subscribers.services import InventoryError, Outcome
from subscribers.services import natlog_bulk as bulk
from subscribers.services.common import CLOCK_SKEW

CSV_HEADER = ["address", "port_start", "port_end", "start", "stop", "account_id"]
FORMATS = ("csv", "syslog")

_STAMP = re.compile(
    r"^(?:<\d{1,3}>1\s+)?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s"
)
_TRADITIONAL = re.compile(r"^(?:<\d{1,3}>)?[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s")
_PBA = re.compile(
    r"RT_SRC_NAT_PBA_(?P<event>ALLOC|RELEASE|INTERIM)\b[:\s].*?Subscriber\s+(?P<inside>[0-9A-Fa-f:.]+)"
    r"\s+used/\w+\s+port\s+range\s+\[?(?P<first>\d{1,5})\s*-\s*(?P<last>\d{1,5})\]?"
    r"\s+from\s+interface\s+(?P<address>[0-9.]+)",
    re.IGNORECASE,
)


def detect_format(path: str | Path) -> str:
    for _number, line in read_lines(path, strict=False):
        if not line.strip():
            continue
        if line.strip().lower().startswith("address,"):
            return "csv"
        if "RT_SRC_NAT_PBA" in line or _STAMP.match(line) or _TRADITIONAL.match(line):
            return "syslog"
        break
    raise ImportFileError(f"{path}: cannot tell whether this is CSV or a NAT syslog file; pass --format")


def import_natlog(path: str | Path, *, format: str | None = None) -> Iterator[ImportResult]:
    format = format or detect_format(path)
    if format == "csv" and connection.vendor == "postgresql":
        return _BulkCsvImport(str(path)).run()
    if format == "csv":
        return _CsvImport(str(path)).run()
    if format == "syslog":
        return _SyslogImport(str(path)).run()
    raise ImportFileError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")


def _instant(text: str, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise InventoryError(f"{field} {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise InventoryError(
            f"{field} {text!r} has no UTC offset; attribution compares instants (add e.g. +09:00 or Z)"
        )
    return value


def _results(file: str, line: int, result) -> list[ImportResult]:
    return [ImportResult(file, line, result.outcome)] + [
        ImportResult(file, line, NOTE, note) for note in result.notes
    ]


class _CsvImport:
    def __init__(self, file: str):
        self.file = file
        self.accounts = BoundedCache()

    def run(self) -> Iterator[ImportResult]:
        return run_batched(self.file, csv_rows(self.file, CSV_HEADER), self.row)

    def row(self, line: int, row: dict) -> list[ImportResult]:
        account = self.accounts.get_or_load(
            row["account_id"], lambda i: Account.objects.filter(account_id=i).first()
        )
        if account is None:
            raise InventoryError(f"unknown account_id {row['account_id']!r}")
        result = services.nat_block_record(
            account=account,
            address=row["address"],
            port_start=row["port_start"],
            port_end=row["port_end"],
            started_at=_instant(row["start"], "start"),
            stopped_at=_instant(row["stop"], "stop") if row["stop"] else None,
            source=NatLogSource.CSV,
        )
        return _results(self.file, line, result)


class _BulkCsvImport:
    """The CSV import on PostgreSQL: lines are read and checked here, staged with COPY and
    decided in SQL (services.natlog_bulk); the lines it leaves are read again and go
    through _CsvImport, so outcomes and rejected lines are those of the row-by-row import."""

    def __init__(self, file: str):
        self.file = file
        self.times = BoundedCache()

    def run(self) -> Iterator[ImportResult]:
        staged = self.staged()
        first = next(staged, None)  # opens the file and checks its header before COPY starts
        try:
            bulk.nat_stage(itertools.chain([first] if first else [], staged))
            counts = bulk.nat_decide(source=NatLogSource.CSV)
            if counts.get("insert"):
                yield ImportResult(self.file, 0, Outcome.CREATED, count=counts["insert"])
            if counts.get("unchanged"):
                yield ImportResult(self.file, 0, Outcome.UNCHANGED, count=counts["unchanged"])
            yield from run_batched(self.file, self.left_over(), _CsvImport(self.file).row)
        finally:
            bulk.nat_unstage()

    def left_over(self) -> Iterator:
        wanted = bulk.nat_row_lines()
        line = next(wanted, None)
        for item in csv_rows(self.file, CSV_HEADER):
            if line is None:
                return
            number = item.line if isinstance(item, ImportResult) else item[0]
            if number == line:
                yield item
                line = next(wanted, None)

    def staged(self) -> Iterator[bulk.StagedBlock]:
        for item in csv_rows(self.file, CSV_HEADER):
            if isinstance(item, ImportResult):  # a line of the wrong width
                yield bulk.StagedBlock(item.line, clean=False)
                continue
            line, row = item
            try:
                started_at = self.times.get_or_load(row["start"], lambda t: _instant(t, "start"))
                stopped_at = (
                    self.times.get_or_load(row["stop"], lambda t: _instant(t, "stop"))
                    if row["stop"]
                    else None
                )
                first, last = services.nat_ports_check(row["port_start"], row["port_end"])
                ip = ipkeys.parse_ip(row["address"])
                if ip.version != 4 or (stopped_at is not None and stopped_at < started_at):
                    raise InventoryError("left to the row path")
            except (InventoryError, ValueError):
                yield bulk.StagedBlock(line, clean=False, account_id=row["account_id"])
                continue
            yield bulk.StagedBlock(
                line, True, str(ip), ipkeys.ip_key(ip), first, last, started_at, stopped_at, row["account_id"]
            )


class _SyslogImport:
    def __init__(self, file: str):
        self.file = file

    def run(self) -> Iterator[ImportResult]:
        return run_batched(self.file, self.lines(), self.line)

    def lines(self) -> Iterator[tuple[int, str]]:
        for number, text in read_lines(self.file, strict=False):
            if text.strip():
                yield number, text

    def line(self, number: int, text: str) -> list[ImportResult]:
        match = _PBA.search(text)
        if match is None:
            return [ImportResult(self.file, number, IGNORED)]
        stamp = _STAMP.match(text)
        if stamp is None:
            if _TRADITIONAL.match(text):
                raise InventoryError(
                    "traditional syslog time has no year and no zone; log RFC 3339 times "
                    "(rsyslog: RSYSLOG_FileFormat)"
                )
            raise InventoryError("no RFC 3339 time at the start of the line")
        at = _instant(stamp.group(1), "time")
        event = match["event"].upper()
        inside = match["inside"]
        if event == "RELEASE":
            result = services.nat_block_release(
                address=match["address"],
                port_start=match["first"],
                port_end=match["last"],
                stopped_at=at,
                inside_address=inside,
            )
            return _results(self.file, number, result)
        if event == "INTERIM":
            # A re-announcement of a block we know changes nothing; one whose ALLOC was
            # lost opens the allocation from the interim's time.
            _address, key = services.nat_address_check(match["address"])
            known = (
                NatPortBlock.objects.filter(
                    address_key=key, port_start=int(match["first"]), started_at__lte=at, inside_address=inside
                )
                .order_by("-started_at")
                .first()
            )
            if known is not None and (known.stopped_at is None or known.stopped_at > at):
                return [ImportResult(self.file, number, Outcome.UNCHANGED)]
        session, note = _inside_holder(inside, at)
        result = services.nat_block_record(
            account=session.account,
            address=match["address"],
            port_start=match["first"],
            port_end=match["last"],
            started_at=at,
            inside_address=inside,
            source=NatLogSource.SYSLOG,
        )
        return _results(self.file, number, result) + (
            [ImportResult(self.file, number, NOTE, note)] if note else []
        )


def _inside_holder(inside: str, at: datetime) -> tuple[Session, str | None]:
    """The session an allocation at `at` for inside address `inside` belongs to, and a
    note when the line's time was read across a session's edge.

    The CGN's clock and the RADIUS server's may disagree by CLOCK_SKEW. A CGN allocates
    a block on an inside address's first flow, which follows its session's start: an
    allocation stamped just before a session of the address begins is that session's
    (the CGN's clock is behind), never the one ending then. An allocation within the
    skew of the end of the session holding the address, with no next one beginning, may
    fall after that end on the RADIUS server's clock: it is refused, as is one no
    session holds (naming nobody beats naming the wrong customer).
    """
    later = session_at(ip=inside, at=at + CLOCK_SKEW) if _is_ip(inside) else None
    if later is not None and at < later.started_at:
        ahead = int((later.started_at - at).total_seconds())
        note = (
            f"allocation for {inside} logged at {at.isoformat()}, {ahead} s before the session of account "
            f"{later.account.account_id} began on it: taken as that session's (the NAT's clock is behind)"
        )
        return later, note
    session = session_at(ip=inside, at=at) if _is_ip(inside) else None
    if session is None:
        raise InventoryError(
            f"no session of ours held the subscriber address {inside} at {at.isoformat()} "
            "(import the session log first)"
        )
    if session.stopped_at is not None and session.stopped_at <= at + CLOCK_SKEW:
        raise InventoryError(
            f"the session of account {session.account.account_id} on {inside} ended at "
            f"{session.stopped_at.isoformat()}, within {int(CLOCK_SKEW.total_seconds())} s of the allocation "
            f"at {at.isoformat()}: the two clocks cannot tell whether it was still that account's"
        )
    return session, None


def _is_ip(text: str) -> bool:
    try:
        ipkeys.parse_ip(text)
    except ValueError:
        return False
    return True
