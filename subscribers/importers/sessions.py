"""import_sessions: who held which address when, from CSV or FreeRADIUS detail files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from subscribers import services
from subscribers.choices import AccountKind, SessionSource
from subscribers.importers import radius
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
from subscribers.models import Account
from subscribers.services import InventoryError, Outcome, SessionResult

CSV_HEADER = ["account_id", "ip", "start", "stop"]
FORMATS = ("csv", "radius")
# Attributes holding an address or prefix the line was given; each becomes a session.
RADIUS_ADDRESSES = ("Framed-IP-Address", "Framed-IPv6-Prefix", "Delegated-IPv6-Prefix")


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
        if status not in ("Start", "Stop", "Interim-Update", "Alive"):
            return [ImportResult(self.file, line, IGNORED)]  # Accounting-On/Off and the like
        if not attrs.get("User-Name"):
            raise InventoryError("no User-Name")
        account = self._account(attrs["User-Name"])
        addresses = [attrs[name] for name in RADIUS_ADDRESSES if attrs.get(name)]
        if not addresses:
            raise InventoryError("no Framed-IP-Address, Framed-IPv6-Prefix or Delegated-IPv6-Prefix")
        at = radius.event_time(attrs)
        seconds = radius.session_time(attrs)
        rsid = attrs.get("Acct-Session-Id", "")
        results = [self._apply(status, account, ip, at, seconds, rsid) for ip in addresses]
        return _results(self.file, line, results)

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
