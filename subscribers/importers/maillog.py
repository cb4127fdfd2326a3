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

Each line is read in two steps: what the line says by itself (_Scanner: the syslog
fields, the Postfix or Dovecot message, the checked entry), then what it does to the
state across lines (_MaillogImport.take: submissions waiting for their cleanup line,
senders waiting for their deliveries). On PostgreSQL a file of READER_PROCESS_MIN_BYTES
or more is scanned in a process of its own (forked), which sends the events in order,
a few thousand at a time, while this process keeps the state and stages the entries:
the two halves of the work on two cores. The outcome is the same line for line.
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
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
_HOUR = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=1024)
def _postfix_daemon(program: str) -> str | None:
    """The Postfix daemon a syslog program name stands for ("postfix/smtpd" -> "smtpd").
    A log names a handful of programs millions of times: each is matched once."""
    match = _POSTFIX.match(program)
    return match["daemon"] if match else None


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


# What a line says (_Scanner.scan), as the importer's state machine takes it in.
_SUBMIT = "submit"  # (_SUBMIT, line, row): a submission, waiting for its cleanup line
_CLEANUP_ID = "cleanup"  # (_CLEANUP_ID, line, at, host, queue id, message-id)
_DELIVER = "deliver"  # (_DELIVER, line, at, host, queue id, recipient, outcome, unknown, raw line)
_ROW = "row"  # (_ROW, line, row): an entry complete in itself (a login, a refused recipient)
_REJECT = "reject"  # (_REJECT, line, reason)
_FAILED = "failed"  # (_FAILED, reason): the file cannot be imported (a reader process's ImportFileError)

# A log at least this large is read and parsed in a process of its own while this one
# keeps the state across lines and stages the entries (PostgreSQL only).
READER_PROCESS_MIN_BYTES = 8 << 20
_CHUNK_LINES = 4_000


class _Scanner:
    """What one line says, found without looking at other lines (the clock aside: the
    year of traditional stamps follows the lines before). Raises ImportFileError for
    the file; a line it cannot take is a _REJECT event."""

    def __init__(self, clock: _Clock):
        self.clock = clock
        self.iso = ""  # the RFC 3339 stamp of the line scanned last, if it had one

    def events(self, lines: Iterable[tuple[int, str]]) -> Iterator[tuple | str]:
        scan = self.scan
        for number, text in lines:
            yield scan(number, text)

    def scan(self, number: int, text: str) -> tuple | str:
        try:
            return self._scan(number, text)
        except ImportFileError:
            raise
        except InventoryError as exc:
            return (_REJECT, number, str(exc))

    def _scan(self, number: int, text: str) -> tuple | str:
        match = _LINE.match(text)
        if match is None:
            return IGNORED
        host, program, message = match["host"], match["program"], match["message"]
        daemon = _postfix_daemon(program)
        if daemon == "smtpd" and "sasl_username=" in message:
            return self.submission(number, self.at(match), host, message, text)
        if daemon == "cleanup" and "message-id=" in message:
            return self.cleanup(number, self.at(match), host, message)
        if daemon == "smtpd" and message.startswith("NOQUEUE: reject: RCPT"):
            return self.refused(number, self.at(match), host, message, text)
        if daemon is not None and daemon not in ("smtpd", "cleanup") and " to=<" in message:
            return self.delivery(number, self.at(match), host, message, text)
        if program == "dovecot" and _DOVECOT.match(message):
            return self.login(number, self.at(match), host, message, text)
        if match["trad"]:
            self.at(match)  # fail on the first traditional line, not on the first useful one
        return IGNORED

    def at(self, match: re.Match) -> datetime:
        self.iso = match["iso"]
        return self.clock.iso(self.iso) if self.iso else self.clock.traditional(match["trad"])

    def submission(self, number: int, at: datetime, host: str, message: str, raw: str) -> tuple:
        parsed = _SMTPD.match(message)
        client = _CLIENT.match(parsed["client"].strip()) if parsed else None
        login = _SASL_USER.search(message)
        if not (parsed and client and login):
            raise InventoryError("submission line without queue id, client=name[address] or sasl_username")
        entry = services.maillog_row_values(
            kind=MailLogKind.SUBMISSION,
            service=MailService.SMTP,
            login=login["login"],
            client_ip=client["ip"],
            at=at,
            host=host,
            queue_id=parsed["queue_id"],
            raw_line=raw,
        )
        return (_SUBMIT, number, entry)

    def cleanup(self, number: int, at: datetime, host: str, message: str) -> tuple | str:
        parsed = _CLEANUP.match(message)
        if parsed is None:
            raise InventoryError("cleanup line without queue id and message-id")
        message_id = parsed["message_id"].strip().strip("<>")
        if not message_id:
            return IGNORED
        return (_CLEANUP_ID, number, at, host, parsed["queue_id"], message_id)

    def delivery(self, number: int, at: datetime, host: str, message: str, raw: str) -> tuple | str:
        parsed = _DELIVERY.match(message)
        if parsed is None:
            return IGNORED  # a "to=" line without a final status
        status = "bounced" if parsed["status"] == "undeliverable" else parsed["status"]
        dsn = _DSN.search(message)
        unknown = status == "bounced" and bool(
            (dsn and dsn["dsn"] in ("5.1.1", "5.1.10")) or _UNKNOWN.search(parsed["rest"])
        )
        return (_DELIVER, number, at, host, parsed["queue_id"], parsed["rcpt"], status, unknown, raw)

    def refused(self, number: int, at: datetime, host: str, message: str, raw: str) -> tuple:
        parsed = _NOQUEUE.match(message)
        client = _CLIENT.match(parsed["client"]) if parsed else None
        rcpt = _TO.search(message)
        if not (parsed and client and rcpt):
            raise InventoryError("NOQUEUE reject line without RCPT from name[address] or to=<…>")
        unknown = bool(_UNKNOWN.search(parsed["rest"]))
        entry = _recipient(at, host, ("", client["ip"]), rcpt["rcpt"], "rejected", unknown, raw, "")
        return (_ROW, number, entry)

    def login(self, number: int, at: datetime, host: str, message: str, raw: str) -> tuple:
        service = _DOVECOT.match(message)
        login = _DOVECOT_USER.search(service["rest"])
        rip = _DOVECOT_RIP.search(service["rest"])
        if not (login and rip):
            raise InventoryError(f"{service['service']}-login line without user=<…> or rip=")
        entry = services.maillog_row_values(
            kind=MailLogKind.LOGIN,
            service=service["service"],
            login=login["login"],
            client_ip=rip["ip"],
            at=at,
            host=host,
            raw_line=raw,
        )
        return (_ROW, number, entry)


def _recipient(at, host, sender, rcpt, outcome, unknown, raw, queue_id) -> tuple:
    login, client_ip = sender
    return services.maillog_row_values(
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


def _read_in_process(path: str, clock: _Clock, sender) -> None:
    """The reader process: scans the file and sends its events in chunks of
    (events, lines without a record) to `sender`, then None; a file error as a
    _FAILED event. An RFC 3339 instant goes as its text (a third of a datetime's cost
    to pickle), made a datetime again by the importing process (_instant)."""
    events: list = []
    ignored = 0
    scanner = _Scanner(clock)
    try:
        for number, text in read_lines(path, strict=False):
            event = scanner.scan(number, text)
            if event.__class__ is str:
                ignored += 1
                continue
            kind, iso = event[0], scanner.iso
            if iso and (kind is _SUBMIT or kind is _ROW):
                row = event[2]
                event = (kind, number, (*row[:5], iso, *row[6:]))
            elif iso and (kind is _DELIVER or kind is _CLEANUP_ID):
                event = (kind, number, iso, *event[3:])
            events.append(event)
            if len(events) >= _CHUNK_LINES:
                sender.send((events, ignored))
                events, ignored = [], 0
    except ImportFileError as exc:
        events.append((_FAILED, str(exc)))
    except Exception as exc:  # noqa: BLE001 (reported by the importing process)
        events.append((_FAILED, f"reading {path} failed: {exc!r}"))
    sender.send((events, ignored))
    sender.send(None)
    sender.close()


class _ReaderProcess:
    """The scanner's events from a process of its own (fork), in order, as a bounded
    stream: the pipe holds a few chunks, so memory stays flat however long the file."""

    def __init__(self, path: str, clock: _Clock):
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_read_in_process, args=(path, clock, sender), daemon=True)
        self.process.start()  # AssertionError inside a daemonic process (a Celery worker)
        sender.close()

    def chunks(self) -> Iterator[tuple[list, int]]:
        while True:
            try:
                chunk = self.receiver.recv()
            except EOFError:
                raise ImportFileError("the mail-log reader process stopped before the file ended") from None
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.receiver.close()


class _MaillogImport:
    def __init__(self, path: str, clock: _Clock, touched: set | None = None):
        self.file = path
        # The UTC clock hours the written entries fall in (the volume detection's input),
        # kept as hours since the epoch while reading and handed over as instants.
        self.touched = touched if touched is not None else set()
        self.hours: set[int] = set()
        # Lines with no record of their own (ignored, joined) are counted, not yielded one by one.
        self.quiet: Counter[str] = Counter()
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
            yield from self.read(_Scanner(self.clock).events(read_lines(self.file, strict=False)))
            return
        lines = read_lines(self.file, strict=False)
        first = next(lines, None)  # a missing file fails here, before anything is staged
        reader = self.reader_process()
        bulk.maillog_stage_open()
        try:
            if reader is not None:
                lines.close()
                events = self.from_reader(reader)
            else:
                events = _Scanner(self.clock).events(itertools.chain([first] if first else [], lines))
            yield from self.read(events)
            # Every staged entry lies within the hours seen (the first-load decision).
            span = (
                (_EPOCH + min(self.hours) * _HOUR, _EPOCH + (max(self.hours) + 1) * _HOUR)
                if self.hours
                else None
            )
            counts = bulk.maillog_stage_apply(span=span)
            for outcome in (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED):
                if counts.get(outcome):
                    yield ImportResult(self.file, 0, outcome, count=counts[outcome])
        finally:
            if reader is not None:
                reader.close()
            bulk.maillog_stage_close()

    def reader_process(self) -> _ReaderProcess | None:
        """A process of its own to read a large file, if this process may have children."""
        try:
            if Path(self.file).stat().st_size < READER_PROCESS_MIN_BYTES:
                return None
            return _ReaderProcess(self.file, self.clock)
        except (AssertionError, OSError):
            return None

    def from_reader(self, reader: _ReaderProcess) -> Iterator[tuple | str]:
        quiet = self.quiet
        for events, ignored in reader.chunks():
            quiet[IGNORED] += ignored
            for event in events:
                if event[0] == _FAILED:
                    raise ImportFileError(event[1])
                yield event

    def read(self, events: Iterable[tuple | str]) -> Iterator[ImportResult]:
        try:
            yield from self._read(events)
        finally:
            self.touched.update(_EPOCH + hour * _HOUR for hour in self.hours)

    def _read(self, events: Iterable[tuple | str]) -> Iterator[ImportResult]:
        quiet = self.quiet
        for event in events:
            if event.__class__ is str:
                quiet[event] += 1
                continue
            try:
                result = self.take(event)
            except InventoryError as exc:
                result = ImportResult(self.file, event[1], REJECTED, str(exc))
            if result is not None:
                if result.__class__ is str:
                    quiet[result] += 1
                else:
                    yield result
            if len(self.ready) >= BATCH_SIZE:
                yield from self.write()
        self.ready.extend(self.pending.values())
        self.pending.clear()
        yield from self.write()
        yield from self.tally()

    def tally(self) -> Iterator[ImportResult]:
        for outcome, count in self.quiet.items():
            if count:
                yield ImportResult(self.file, 0, outcome, count=count)
        self.quiet.clear()

    def take(self, event: tuple) -> ImportResult | str | None:
        """What a line's event does to the state across lines: a rejection, IGNORED or
        JOINED (counted, not listed), or None when its entry waits for its batch."""
        kind = event[0]
        if kind == _ROW:
            self.ready.append((event[1], _row(event[2])))
            return None
        if kind == _SUBMIT:
            return self.submission(event[1], _row(event[2]))
        if kind == _CLEANUP_ID:
            return self.cleanup(_instant(event[2]), *event[3:])
        if kind == _DELIVER:
            return self.delivery(event[1], _instant(event[2]), *event[3:])
        if kind == _REJECT:
            return ImportResult(self.file, event[1], REJECTED, event[2])
        raise ValueError(f"unknown mail-log event {kind!r}")

    def submission(self, number: int, entry: MailLogRow) -> None:
        key = (entry.host, entry.queue_id)
        self.senders[key] = (entry.login, entry.client_ip)
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

    def cleanup(self, at: datetime, host: str, queue_id: str, message_id: str) -> str:
        key = (host, queue_id)
        if key in self.pending:
            line, entry = self.pending.pop(key)
            entry.message_id = message_id
            self.ready.append((line, entry))
            return JOINED
        if key in self.written_bare:
            del self.written_bare[key]
            self.flush_ready()
            if self.staged is not None:
                bulk.maillog_stage_late(host=host, queue_id=queue_id, message_id=message_id, at=at)
            else:
                services.maillog_attach_message_id(host=host, queue_id=queue_id, message_id=message_id, at=at)
            return JOINED
        return IGNORED  # mail that did not come in by authenticated submission

    def delivery(self, number, at, host, queue_id, rcpt, status, unknown, raw) -> str | None:
        sender = self.senders.get((host, queue_id))
        if sender is None:
            return IGNORED  # not mail a customer submitted here
        self.ready.append(
            (number, MailLogRow(*_recipient(at, host, sender, rcpt, status, unknown, raw, queue_id)))
        )
        return None

    def flush_ready(self) -> None:
        # A late cleanup line updates the database, so its submission must be there.
        self.flushed.extend(self._write_ready())

    def write(self) -> Iterator[ImportResult]:
        results, self.flushed = self.flushed + self._write_ready(), []
        yield from results
        yield from self.tally()

    def _write_ready(self) -> list[ImportResult]:
        batch, self.ready = self.ready, []
        if not batch:
            return []
        self.hours.update([int(entry.at.timestamp() // 3600) for _, entry in batch])
        if self.staged is not None:
            entries = [entry for _, entry in batch]
            self.staged += bulk.maillog_stage_add(entries=entries, first_seq=self.staged)
            return []
        with transaction.atomic():
            outcomes = services.maillog_bulk_record(entries=[entry for _, entry in batch])
        return [
            ImportResult(self.file, line, outcome) for (line, _), outcome in zip(batch, outcomes, strict=True)
        ]


def import_maillog(
    path: str | Path, *, year: int | None = None, tz: str | None = None, touched: set | None = None
) -> Iterator[ImportResult]:
    """The results line by line; `touched`, if given, receives the UTC hours written to."""
    clock = _Clock(year, zone_named(tz) if tz else None)
    return _MaillogImport(str(path), clock, touched).run()


def _row(values: tuple) -> MailLogRow:
    at = values[5]
    if at.__class__ is str:
        return MailLogRow(*values[:5], datetime.fromisoformat(at), *values[6:])
    return MailLogRow(*values)


def _instant(at: datetime | str) -> datetime:
    """An event's instant: a reader process sends an RFC 3339 stamp as its (checked) text."""
    return datetime.fromisoformat(at) if at.__class__ is str else at
