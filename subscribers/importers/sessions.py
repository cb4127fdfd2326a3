"""import_sessions: who held which address when, from CSV or FreeRADIUS detail files."""

from __future__ import annotations

import heapq
import ipaddress
import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from django.db import connection, transaction

from subscribers import ipkeys, services
from subscribers.choices import AccountKind, SessionSource
from subscribers.importers import radius
from subscribers.importers.common import (
    BATCH_SIZE,
    IGNORED,
    NOTE,
    REJECTED,
    BoundedCache,
    ImportFileError,
    ImportResult,
    csv_rows,
    read_lines,
    run_batched,
)
from subscribers.models import Account
from subscribers.services import InventoryError, Outcome, SessionResult
from subscribers.services import sessions_bulk as bulk
from subscribers.services.sessions import session_close_accounting

CSV_HEADER = ["account_id", "ip", "start", "stop"]
FORMATS = ("csv", "radius")
# Attributes holding an address or prefix the line was given; each becomes a session.
RADIUS_ADDRESSES = ("Framed-IP-Address", "Framed-IPv6-Prefix", "Delegated-IPv6-Prefix")
# Prefixes routed to the line (Framed-Route, Framed-IPv6-Route: a business line's fixed
# /29, a customer LAN's /64) are sessions of the same account for the same span, when
# they are public: a route to a private or otherwise special network is the customer's
# own LAN behind the line (many customers route the same 192.168.1.0/24) and is noted.
# IPv4 networks no Internet host is in; an IPv6 route must be global unicast (2000::/3).
NON_PUBLIC_V4 = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
    )
)  # fmt: skip
GLOBAL_V6 = ipaddress.ip_network("2000::/3")


def detect_format(path: str | Path) -> str:
    for _number, line in read_lines(path, strict=False):
        if not line.strip():
            continue
        if line.strip().lower().startswith("account_id"):
            return "csv"
        if radius.looks_like_detail(line):
            return "radius"
        break
    raise ImportFileError(f"{path}: cannot tell whether this is CSV or a RADIUS detail file; pass --format")


def import_sessions(path: str | Path, *, format: str | None = None) -> Iterator[ImportResult]:
    format = format or detect_format(path)
    if format == "csv" and connection.vendor == "postgresql":
        return _BulkCsvImport(str(path)).run()
    if format == "csv":
        return _CsvImport(str(path)).run()
    if format == "radius":
        return _RadiusImport(str(path)).run()
    raise ImportFileError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")


def _instant(text: str, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InventoryError(f"{field} {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise InventoryError(
            f"{field} {text!r} has no UTC offset; attribution compares instants (add e.g. +09:00 or Z)"
        )
    return value


def _results(file: str, line: int, results: list[SessionResult]) -> list[ImportResult]:
    """One result per record (the strongest outcome of its sessions) plus its notes."""
    outcomes = {r.outcome for r in results}
    outcome = next(o for o in (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED) if o in outcomes)
    notes = [ImportResult(file, line, NOTE, note) for r in results for note in r.notes]
    return [ImportResult(file, line, outcome), *notes]


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
        result = services.session_record(
            account=account,
            ip=row["ip"],
            started_at=_instant(row["start"], "start"),
            stopped_at=_instant(row["stop"], "stop") if row["stop"] else None,
            source=SessionSource.CSV,
        )
        return _results(self.file, line, [result])


class _BulkCsvImport:
    """The CSV import on PostgreSQL: lines are read and checked here, staged with COPY,
    and decided in SQL (services.sessions_bulk); the same outcomes, notes and rejected
    lines as _CsvImport, in the same order, with memory that does not grow with the file.
    """

    def __init__(self, file: str):
        self.file = file
        self.times = BoundedCache()
        self.addresses = BoundedCache()
        self.accounts = BoundedCache()

    def run(self) -> Iterator[ImportResult]:
        staged = self.staged()
        first = next(staged, None)  # opens the file and checks its header before COPY starts
        try:
            bulk.sessions_stage(itertools.chain([first] if first else [], staged))
            decided = bulk.sessions_decide(source=SessionSource.CSV)
            for route, outcome in (("insert", Outcome.CREATED), ("update", Outcome.UPDATED)):
                if decided.counts.get(route):
                    yield ImportResult(self.file, 0, outcome, count=decided.counts[route])
            if decided.counts.get("unchanged"):
                yield ImportResult(self.file, 0, Outcome.UNCHANGED, count=decided.counts["unchanged"])
            rejected = (
                ImportResult(self.file, line, REJECTED, message) for line, message in bulk.sessions_rejected()
            )
            yield from heapq.merge(rejected, self.one_by_one(), key=lambda r: r.line)
        finally:
            bulk.sessions_unstage()

    def staged(self) -> Iterator[bulk.StagedSession]:
        for item in csv_rows(self.file, CSV_HEADER):
            if isinstance(item, ImportResult):  # a line of the wrong width
                yield bulk.StagedSession(item.line, "", error_rank=bulk.ERROR_LINE, error=item.message)
                continue
            line, row = item
            try:
                started_at = self.times.get_or_load(("start", row["start"]), self._time)
                stopped_at = (
                    self.times.get_or_load(("stop", row["stop"]), self._time) if row["stop"] else None
                )
            except InventoryError as exc:
                yield bulk.StagedSession(
                    line, row["account_id"], error_rank=bulk.ERROR_BEFORE_KIND, error=str(exc)
                )
                continue
            try:
                if stopped_at is not None and stopped_at < started_at:
                    raise InventoryError(
                        f"stop {stopped_at.isoformat()} is before start {started_at.isoformat()}"
                    )
                start_key, length, address = self.addresses.get_or_load(row["ip"], self._address)
            except InventoryError as exc:
                yield bulk.StagedSession(
                    line, row["account_id"], error_rank=bulk.ERROR_AFTER_KIND, error=str(exc)
                )
                continue
            yield bulk.StagedSession(
                line, row["account_id"], start_key, length, address, started_at, stopped_at
            )

    @staticmethod
    def _time(key: tuple[str, str]) -> datetime:
        field, text = key
        return _instant(text, field)

    @staticmethod
    def _address(ip: str) -> tuple[str, int, str]:
        try:
            start_key, _end, length = ipkeys.range_key(ip)
            return start_key, length, str(ipkeys.parse_ip_or_prefix(ip))
        except ValueError as exc:
            raise InventoryError(str(exc)) from None

    def one_by_one(self) -> Iterator[ImportResult]:
        """Lines the set-based pass left to session_record, in file order, a transaction per batch."""
        rows = bulk.sessions_one_by_one()
        while True:
            batch = [row for _, row in zip(range(BATCH_SIZE), rows, strict=False)]
            if not batch:
                return
            results: list[ImportResult] = []
            with transaction.atomic():
                for line, account_pk, address, started_at, stopped_at in batch:
                    account = self.accounts.get_or_load(account_pk, lambda pk: Account.objects.get(pk=pk))
                    try:
                        with transaction.atomic():
                            result = services.session_record(
                                account=account,
                                ip=address,
                                started_at=started_at,
                                stopped_at=stopped_at,
                                source=SessionSource.CSV,
                            )
                        results += _results(self.file, line, [result])
                    except InventoryError as exc:
                        results.append(ImportResult(self.file, line, REJECTED, str(exc)))
            yield from results


class _RadiusImport:
    def __init__(self, file: str):
        self.file = file
        self.accounts = BoundedCache()

    def run(self) -> Iterator[ImportResult]:
        return run_batched(self.file, radius.detail_records(self.file), self.record)

    def _account(self, user_name: str) -> Account:
        account = self.accounts.get_or_load(
            user_name,
            lambda name: Account.objects.filter(kind=AccountKind.CONNECTION, identifier=name).first(),
        )
        if account is None:
            raise InventoryError(f"unknown connection account User-Name {user_name!r}")
        return account

    def record(self, line: int, attrs: dict[str, str]) -> list[ImportResult]:
        status = attrs.get("Acct-Status-Type", "")
        if status in ("Accounting-On", "Accounting-Off"):
            return [
                ImportResult(self.file, line, IGNORED),
                ImportResult(self.file, line, NOTE, _nas_note(attrs)),
            ]
        if status not in ("Start", "Stop", "Interim-Update", "Alive"):
            return [ImportResult(self.file, line, IGNORED)]
        if not attrs.get("User-Name"):
            raise InventoryError("no User-Name")
        account = self._account(attrs["User-Name"])
        addresses = [attrs[name] for name in RADIUS_ADDRESSES if attrs.get(name)]
        if not addresses:
            raise InventoryError("no Framed-IP-Address, Framed-IPv6-Prefix or Delegated-IPv6-Prefix")
        at = radius.event_time(attrs)
        seconds = radius.session_time(attrs)
        rsid = attrs.get("Acct-Session-Id", "")
        routed, notes = _routed_prefixes(attrs)
        results = [self._apply(status, account, ip, at, seconds, rsid) for ip in addresses + routed]
        if status == "Stop":
            # Whatever the Stop repeats, it ends all its session held (only a Stop: an
            # Interim-Update that leaves a route out says nothing about the route).
            results += session_close_accounting(
                account=account,
                stopped_at=at,
                closed=[r.session for r in results],
                radius_session_id=rsid,
                session_time=seconds,
            )
        return _results(self.file, line, results) + [ImportResult(self.file, line, NOTE, n) for n in notes]

    @staticmethod
    def _apply(status: str, account: Account, ip: str, at: datetime, seconds: int | None, rsid: str):
        if status == "Stop":
            return services.session_close(
                account=account, ip=ip, stopped_at=at, radius_session_id=rsid, session_time=seconds
            )
        # An Interim-Update for a session whose Start was lost opens it from its age; for
        # a known session it is an overlap of the same account, hence unchanged.
        started = at - timedelta(seconds=seconds) if status != "Start" and seconds else at
        return services.session_record(
            account=account, ip=ip, started_at=started, source=SessionSource.RADIUS, radius_session_id=rsid
        )


def _nas_note(attrs: dict[str, str]) -> str:
    """What an Accounting-On/Off (a NAS booting or shutting down, RFC 2866) means for the
    desk. Sessions do not record their NAS, so the record ends nothing itself: each row
    its NAS left open ends when its address or prefix is next held (session_record)."""
    status = attrs["Acct-Status-Type"]
    nas = attrs.get("NAS-Identifier") or attrs.get("NAS-IP-Address") or attrs.get("NAS-IPv6-Address")
    named = f"NAS {nas}" if nas else "an unnamed NAS"
    return (
        f"{status} from {named}: the sessions it had open ended, but their Stops may be lost; "
        "sessions are not stored by NAS, so each open row ends when its address is next held"
    )


def _routed_prefixes(attrs: dict[str, str]) -> tuple[list[str], list[str]]:
    """(the public prefixes routed to the line, a note for each route left out)."""
    prefixes, notes = [], []
    for value in radius.routes(attrs):
        try:
            prefix = radius.route_prefix(value)
        except InventoryError as exc:
            notes.append(f"{exc}; not recorded")
            continue
        network = ipaddress.ip_network(prefix)
        public = (
            network.subnet_of(GLOBAL_V6)
            if network.version == 6
            else not any(network.overlaps(n) for n in NON_PUBLIC_V4)
        )
        if not public:
            notes.append(f"route to {prefix} is not a public network (the customer's own LAN); not recorded")
        elif prefix not in prefixes:
            prefixes.append(prefix)
    return prefixes, notes
