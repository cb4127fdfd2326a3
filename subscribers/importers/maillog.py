"""import_maillog: authenticated submissions (Postfix), mailbox logins (Dovecot), and
what became of the recipients of those submissions.

Postfix logs a submission in two lines of one queue id: smtpd's `client=…,
sasl_username=…` and, usually a moment later, cleanup's `message-id=<…>`. Submissions
wait in a bounded dict until their message-id arrives, then are written in batches.

Each recipient of a submitted message gets a delivery line of the same queue id
(`to=<…>, … dsn=5.1.1, status=bounced (… User unknown …)`); smtpd logs a recipient it
refused before any queue id as `NOQUEUE: reject: RCPT from name[address]: 550 5.1.1 …`.
Both become recipient entries, marked when the address does not exist, so the share
of made-up addresses per login and client address can be counted (POLICY.md E4).
Deliveries of mail that did not come in by authenticated submission are ignored.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from subscribers import services
from subscribers.choices import MailLogKind, MailService
from subscribers.importers.common import (
    BATCH_SIZE,
    IGNORED,
    JOINED,
    REJECTED,
    ImportFileError,
    ImportResult,
    read_lines,
)
from subscribers.services import InventoryError, Outcome
from subscribers.services import maillog_bulk as bulk
from subscribers.services.maillog import MailLogRow

# Submissions still waiting for their cleanup line. A submission that never gets one
# (rejected after the client line) is written without a message-id when pushed out.
PENDING_LIMIT = 10_000
# Queue ids of submissions written without a message-id, for a cleanup line that comes
# later still; only the keys are kept, so this can be longer.
WRITTEN_BARE_LIMIT = 100_000

_LINE = re.compile(
    r"^(?:(?P<iso>\d{4}-\d\d-\d\dT\S+)|(?P<trad>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d))"
    r" (?P<host>\S+) (?P<program>[\w./-]+?)(?:\[\d+\])?: (?P<message>.*)$"
)
_POSTFIX = re.compile(
    r"^postfix[\w.-]*/(?:[\w.-]+/)*(?P<daemon>smtpd|cleanup|smtp|lmtp|virtual|local|error|pipe|discard)$"
)
_DELIVERY = re.compile(
    r"^(?P<queue_id>[0-9A-Za-z]+): to=<(?P<rcpt>[^>]*)>,.*?"
    r"\bstatus=(?P<status>sent|bounced|deferred|undeliverable)\b(?P<rest>.*)$"
)
_NOQUEUE = re.compile(r"^NOQUEUE: reject: RCPT from (?P<client>\S*?\[[^\]]+\])(?::\d+)?: (?P<rest>.*)$")
_TO = re.compile(r"\bto=<(?P<rcpt>[^>]*)>")
_DSN = re.compile(r"\bdsn=(?P<dsn>[245]\.\d{1,3}\.\d{1,3})")
# The receiving server's words for "this address does not exist": RFC 3463 X.1.1 (bad
# mailbox) and X.1.10 (null MX), or the phrases MTAs put in their 550 replies.
_UNKNOWN = re.compile(
    r"\b5\.1\.(?:1|10)\b|user unknown|unknown user|no such (?:user|mailbox|recipient)"
    r"|(?:user|mailbox|recipient|address) (?:does not exist|doesn't exist|not found)|invalid recipient",
    re.IGNORECASE,
)
# Submissions whose recipients are still to come: (host, queue id) -> (login, client).
SENDERS_LIMIT = 100_000
_SMTPD = re.compile(r"^(?P<queue_id>[0-9A-Za-z]+): client=(?P<client>[^,]*)(?P<rest>.*)$")
_CLIENT = re.compile(r"^[^\[\s]*\[(?P<ip>[^\]]+)\](?::\d+)?$")
_SASL_USER = re.compile(r"sasl_username=(?P<login>[^,\s]+)")
_CLEANUP = re.compile(r"^(?P<queue_id>[0-9A-Za-z]+): message-id=(?P<message_id>.*)$")
_DOVECOT = re.compile(r"^(?P<service>pop3|imap)-login: Login: (?P<rest>.*)$")
_DOVECOT_USER = re.compile(r"user=<(?P<login>[^>]*)>")
_DOVECOT_RIP = re.compile(r"rip=(?P<ip>[0-9A-Fa-f.:]+)")


class _Clock:
    """Turns syslog timestamps into instants.

    Traditional timestamps ("Nov 20 10:16:38") carry neither year nor zone; they need
    --year and --tz. The year advances when the month drops (December → January).
    """

    def __init__(self, year: int | None, zone: tzinfo | None):
        self.year = year
        self.zone = zone
        self.last_month = 0

    def iso(self, text: str) -> datetime:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise InventoryError(f"timestamp {text!r} is not RFC 3339") from None
        if value.tzinfo is None:
            raise InventoryError(f"timestamp {text!r} has no UTC offset")
        return value

    def traditional(self, text: str) -> datetime:
        if self.year is None or self.zone is None:
            raise ImportFileError(
                f"traditional syslog timestamp {text!r} has no year or zone: pass --year and --tz "
                "(e.g. --year 2026 --tz Asia/Tokyo)"
            )
        try:
            month = datetime.strptime(text[:3], "%b").month
        except ValueError:
            raise InventoryError(f"timestamp {text!r} has no valid month") from None
        if self.last_month - month > 6:
            self.year += 1
        self.last_month = month
        try:
            naive = datetime.strptime(f"{self.year} {text}", "%Y %b %d %H:%M:%S")
        except ValueError:
            raise InventoryError(f"timestamp {text!r} is not a valid time in {self.year}") from None
        return naive.replace(tzinfo=self.zone)


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise ImportFileError(f"--tz {name!r} is not an IANA time zone (e.g. Asia/Tokyo)") from None


class _MaillogImport:
    def __init__(self, path: str, clock: _Clock, touched: set | None = None):
        self.file = path
        # The UTC clock hours the written entries fall in (the volume detection's input).
        self.touched = touched if touched is not None else set()
        self.clock = clock
        self.pending: OrderedDict[tuple[str, str], tuple[int, MailLogRow]] = OrderedDict()
        # Submissions written without a message-id, so a late cleanup line can still find them.
        self.written_bare: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.senders: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()
        self.ready: list[tuple[int, MailLogRow]] = []
        self.flushed: list[ImportResult] = []  # results of writes made out of turn
        # On PostgreSQL entries are staged with COPY and written at the end in SQL
        # (services.maillog_bulk); their outcomes come then, as counts.
        self.staged = 0 if connection.vendor == "postgresql" else None

    def run(self) -> Iterator[ImportResult]:
        if self.staged is None:
            yield from self.read()
            return
        lines = read_lines(self.file, strict=False)
        first = next(lines, None)  # a missing file fails here, before anything is staged
        bulk.maillog_stage_open()
        try:
            yield from self.read(itertools.chain([first] if first else [], lines))
            counts = bulk.maillog_stage_apply()
            for outcome in (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED):
                if counts.get(outcome):
                    yield ImportResult(self.file, 0, outcome, count=counts[outcome])
        finally:
            bulk.maillog_stage_close()

    def read(self, lines=None) -> Iterator[ImportResult]:
        for number, text in lines if lines is not None else read_lines(self.file, strict=False):
            try:
                result = self.line(number, text)
            except ImportFileError:
                raise
            except InventoryError as exc:
                result = ImportResult(self.file, number, REJECTED, str(exc))
            if result is not None:
                yield result
            if len(self.ready) >= BATCH_SIZE:
                yield from self.write()
        self.ready.extend(self.pending.values())
        self.pending.clear()
        yield from self.write()

    def line(self, number: int, text: str) -> ImportResult | None:
        """The result of a line, or None when it waits for its batch to be written."""
        match = _LINE.match(text)
        if match is None:
            return self.result(number, IGNORED)
        host, program, message = match["host"], match["program"], match["message"]
        postfix = _POSTFIX.match(program)
        if postfix and postfix["daemon"] == "smtpd" and "sasl_username=" in message:
            return self.submission(number, self.at(match), host, message, text)
        if postfix and postfix["daemon"] == "cleanup" and "message-id=" in message:
            return self.cleanup(number, self.at(match), host, message)
        if postfix and postfix["daemon"] == "smtpd" and message.startswith("NOQUEUE: reject: RCPT"):
            return self.refused(number, self.at(match), host, message, text)
        if postfix and postfix["daemon"] not in ("smtpd", "cleanup") and " to=<" in message:
            return self.delivery(number, self.at(match), host, message, text)
        if program == "dovecot" and _DOVECOT.match(message):
            return self.login(number, self.at(match), host, message, text)
        if match["trad"]:
            self.at(match)  # fail on the first traditional line, not on the first useful one
        return self.result(number, IGNORED)

    def at(self, match: re.Match) -> datetime:
        return self.clock.iso(match["iso"]) if match["iso"] else self.clock.traditional(match["trad"])

    def result(self, number: int, outcome: str, message: str = "") -> ImportResult:
        return ImportResult(self.file, number, outcome, message)

    def submission(self, number: int, at: datetime, host: str, message: str, raw: str) -> None:
        parsed = _SMTPD.match(message)
        client = _CLIENT.match(parsed["client"].strip()) if parsed else None
        login = _SASL_USER.search(message)
        if not (parsed and client and login):
            raise InventoryError("submission line without queue id, client=name[address] or sasl_username")
        entry = services.maillog_row_build(
            kind=MailLogKind.SUBMISSION,
            service=MailService.SMTP,
            login=login["login"],
            client_ip=client["ip"],
            at=at,
            host=host,
            queue_id=parsed["queue_id"],
            raw_line=raw,
        )
        key = (host, parsed["queue_id"])
        self.senders[key] = (login["login"], client["ip"])
        self.senders.move_to_end(key)
        if len(self.senders) > SENDERS_LIMIT:
            self.senders.popitem(last=False)
        if key in self.pending:  # the same queue id again: the earlier one will get no cleanup
            self.ready.append(self.pending.pop(key))
        self.pending[key] = (number, entry)
        if len(self.pending) > PENDING_LIMIT:
            old_key, old = self.pending.popitem(last=False)
            self.ready.append(old)
            self.remember_bare(old_key)

    def remember_bare(self, key: tuple[str, str]) -> None:
        self.written_bare[key] = None
        if len(self.written_bare) > WRITTEN_BARE_LIMIT:
            self.written_bare.popitem(last=False)

    def cleanup(self, number: int, at: datetime, host: str, message: str) -> ImportResult:
        parsed = _CLEANUP.match(message)
        if parsed is None:
            raise InventoryError("cleanup line without queue id and message-id")
        message_id = parsed["message_id"].strip().strip("<>")
        key = (host, parsed["queue_id"])
        if not message_id:
            return self.result(number, IGNORED)
        if key in self.pending:
            line, entry = self.pending.pop(key)
            entry.message_id = message_id
            self.ready.append((line, entry))
            return self.result(number, JOINED)
        if key in self.written_bare:
            del self.written_bare[key]
            self.flush_ready()
            if self.staged is not None:
                bulk.maillog_stage_late(host=host, queue_id=key[1], message_id=message_id, at=at)
            else:
                services.maillog_attach_message_id(host=host, queue_id=key[1], message_id=message_id, at=at)
            return self.result(number, JOINED)
        return self.result(number, IGNORED)  # mail that did not come in by authenticated submission

    def delivery(self, number: int, at: datetime, host: str, message: str, raw: str) -> ImportResult | None:
        parsed = _DELIVERY.match(message)
        if parsed is None:
            return self.result(number, IGNORED)  # a "to=" line without a final status
        sender = self.senders.get((host, parsed["queue_id"]))
        if sender is None:
            return self.result(number, IGNORED)  # not mail a customer submitted here
        status = "bounced" if parsed["status"] == "undeliverable" else parsed["status"]
        dsn = _DSN.search(message)
        unknown = status == "bounced" and bool(
            (dsn and dsn["dsn"] in ("5.1.1", "5.1.10")) or _UNKNOWN.search(parsed["rest"])
        )
        entry = self._recipient(at, host, sender, parsed["rcpt"], status, unknown, raw, parsed["queue_id"])
        self.ready.append((number, entry))
        return None

    def refused(self, number: int, at: datetime, host: str, message: str, raw: str) -> ImportResult | None:
        parsed = _NOQUEUE.match(message)
        client = _CLIENT.match(parsed["client"]) if parsed else None
        rcpt = _TO.search(message)
        if not (parsed and client and rcpt):
            raise InventoryError("NOQUEUE reject line without RCPT from name[address] or to=<…>")
        unknown = bool(_UNKNOWN.search(parsed["rest"]))
        entry = self._recipient(at, host, ("", client["ip"]), rcpt["rcpt"], "rejected", unknown, raw, "")
        self.ready.append((number, entry))
        return None

    def _recipient(self, at, host, sender, rcpt, outcome, unknown, raw, queue_id) -> MailLogRow:
        login, client_ip = sender
        return services.maillog_row_build(
            kind=MailLogKind.RECIPIENT,
            service=MailService.SMTP,
            login=login,
            client_ip=client_ip,
            at=at,
            host=host,
            queue_id=queue_id,
            raw_line=raw,
            recipient=rcpt or "<>",
            outcome=outcome,
            unknown_recipient=unknown,
        )

    def login(self, number: int, at: datetime, host: str, message: str, raw: str) -> None:
        service = _DOVECOT.match(message)
        login = _DOVECOT_USER.search(service["rest"])
        rip = _DOVECOT_RIP.search(service["rest"])
        if not (login and rip):
            raise InventoryError(f"{service['service']}-login line without user=<…> or rip=")
        entry = services.maillog_row_build(
            kind=MailLogKind.LOGIN,
            service=service["service"],
            login=login["login"],
            client_ip=rip["ip"],
            at=at,
            host=host,
            raw_line=raw,
        )
        self.ready.append((number, entry))

    def flush_ready(self) -> None:
        # A late cleanup line updates the database, so its submission must be there.
        self.flushed.extend(self._write_ready())

    def write(self) -> Iterator[ImportResult]:
        results, self.flushed = self.flushed + self._write_ready(), []
        yield from results

    def _write_ready(self) -> list[ImportResult]:
        batch, self.ready = self.ready, []
        if not batch:
            return []
        self.touched.update(e.at.astimezone(UTC).replace(minute=0, second=0, microsecond=0) for _, e in batch)
        if self.staged is not None:
            entries = [entry for _, entry in batch]
            self.staged += bulk.maillog_stage_add(entries=entries, first_seq=self.staged)
            return []
        with transaction.atomic():
            outcomes = services.maillog_bulk_record(entries=[entry for _, entry in batch])
        return [self.result(line, outcome) for (line, _), outcome in zip(batch, outcomes, strict=True)]


def import_maillog(
    path: str | Path, *, year: int | None = None, tz: str | None = None, touched: set | None = None
) -> Iterator[ImportResult]:
    """The results line by line; `touched`, if given, receives the UTC hours written to."""
    clock = _Clock(year, zone_named(tz) if tz else None)
    return _MaillogImport(str(path), clock, touched).run()
