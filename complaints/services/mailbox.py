"""Mail channels: a mailbox file or folder, and the IMAP abuse mailbox."""

from __future__ import annotations

import email
import email.policy
import hashlib
import imaplib
import logging
import mailbox
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import getaddresses

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from abusedesk.audit import audit_record_many
from complaints.choices import Channel, ReportStatus
from complaints.models import Report, ReportDigest

from .intake import IngestResult, report_ingest, reports_process_many

logger = logging.getLogger(__name__)

STORED_FLAG = "$AbuseDeskStored"


def sender_address(raw: bytes) -> str:
    """The From address of a message, lowercased; '' when there is none usable."""
    try:
        headers = email.message_from_bytes(raw.split(b"\n\n", 1)[0][:65536], policy=email.policy.compat32)
        pairs = getaddresses(headers.get_all("From", []))
    except Exception:  # hostile headers: the report is still stored, just without a sender
        return ""
    for _, addr in pairs:
        if "@" in addr:
            return addr.strip().lower()[:300]
    return ""


def ingest_mail(raw: bytes, *, channel: Channel, acknowledge: bool = True) -> IngestResult:
    return report_ingest(
        raw=raw,
        channel=channel,
        content_type="message/rfc822",
        reporter_key=f"email:{sender_address(raw) or '(no sender)'}",
        acknowledge=acknowledge,
    )


def iter_mailbox(path: str) -> Iterator[bytes]:
    """The messages of an mbox file or a Maildir folder, read as they are needed: one
    message in memory at a time, whatever the size of the mailbox. Raises ValueError
    (before reading any message) for a path that is neither."""
    if os.path.isdir(path):
        if not all(os.path.isdir(os.path.join(path, sub)) for sub in ("cur", "new")):
            raise ValueError(f"{path} is a folder but not a Maildir (no cur/ and new/)")
        box = mailbox.Maildir(path, factory=None, create=False)
        return (box.get_bytes(key) for key in box.iterkeys())
    if os.path.isfile(path):
        with open(path, "rb") as fh:
            head = fh.read(5)
        if head and head != b"From ":
            raise ValueError(f"{path} is not an mbox file (it does not start with 'From ')")
        return iter_mbox(path)
    raise ValueError(f"{path} does not exist")


def iter_mbox(path: str) -> Iterator[bytes]:
    """The messages of an mbox file in one forward pass, split exactly as the standard
    library's `mailbox.mbox` splits them (every line starting with "From " begins a
    message; the blank line before it belongs to neither), without its table of
    contents: memory stays flat with the file's size."""
    with open(path, "rb") as fh:
        lines: list[bytes] | None = None
        last_was_empty = False
        for line in fh:
            if line.startswith(b"From "):
                if lines is not None:
                    yield _mbox_message(lines, last_was_empty)
                lines, last_was_empty = [], False
            elif lines is not None:
                lines.append(line)
                last_was_empty = line == b"\n"
        if lines is not None:
            yield _mbox_message(lines, last_was_empty)


def _mbox_message(lines: list[bytes], last_was_empty: bool) -> bytes:
    if last_was_empty:
        lines.pop()
    return b"".join(lines)


@dataclass
class PollResult:
    fetched: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def imap_connect() -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if settings.ABUSEDESK_IMAP_SSL else imaplib.IMAP4
    conn = cls(settings.ABUSEDESK_IMAP_HOST, settings.ABUSEDESK_IMAP_PORT, timeout=30)
    conn.login(settings.ABUSEDESK_IMAP_USER, settings.ABUSEDESK_IMAP_PASSWORD)
    return conn


def imap_poll(*, limit: int = 500) -> PollResult:
    """Fetch unstored mail, store each as a report, then flag it stored.

    The flag is set only after the report is committed; if the database fails,
    the message stays unflagged and is fetched again next time (intake is
    idempotent per sender and digest, so a retry never makes a second report).
    """
    result = PollResult()
    conn = imap_connect()
    try:
        typ, _ = conn.select(settings.ABUSEDESK_IMAP_FOLDER)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot select folder {settings.ABUSEDESK_IMAP_FOLDER!r}")
        typ, data = conn.uid("SEARCH", None, "UNKEYWORD", STORED_FLAG, "UNDELETED")
        uids = data[0].split()[:limit] if typ == "OK" and data and data[0] else []
        for uid in uids:
            typ, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None) if typ == "OK" else None
            if raw is None:
                result.errors.append(f"uid {uid.decode()}: fetch failed")
                continue
            result.fetched += 1
            outcome = ingest_mail(
                raw, channel=Channel.IMAP
            )  # raises on database failure: stop, keep the mail
            result.created += outcome.created
            result.duplicates += not outcome.created
            conn.uid("STORE", uid, "+FLAGS", f"({STORED_FLAG} \\Seen)")
    finally:
        try:
            conn.logout()
        except Exception:  # the connection may already be gone
            logger.debug("IMAP logout failed", exc_info=True)
    return result


# --- bulk import: store then queue ----------------------------------------------------

IMPORT_BATCH = 500  # messages stored per transaction (a few MB of mail at most)
PROCESS_CHUNK = 100  # reports per queued processing task


@dataclass
class ImportCounts:
    read: int = 0
    created: int = 0
    duplicates: int = 0
    failed: int = 0
    # Reports stored by this run whose processing ended in manual triage (known only
    # when processing ran here: no broker, or the broker unreachable).
    triage: int = 0


@dataclass(slots=True)
class _NewReport:
    """What a message brings to its report row; a model instance is made only where the
    ORM stores it (SQLite, or one by one), the COPY path takes these fields as they are."""

    raw: bytes
    raw_sha256: str
    size: int
    reporter_key: str
    received_at: object
    pk: int | None = None

    def report(self, channel: Channel) -> Report:
        """The row as `report_ingest` stores it (status received)."""
        return Report(
            raw=self.raw,
            raw_sha256=self.raw_sha256,
            size=self.size,
            content_type="message/rfc822",
            channel=channel,
            reporter_key=self.reporter_key,
            received_at=self.received_at,
        )


def _new_report(raw: bytes, channel: Channel) -> _NewReport:
    return _NewReport(
        raw=raw,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        reporter_key=f"email:{sender_address(raw) or '(no sender)'}"[:320],
        received_at=timezone.now(),
    )


def _received_data(report: Report) -> dict:
    return {"channel": report.channel, "sha256": report.raw_sha256, "size": report.size}


def _store_orm(rows: list[_NewReport], channel: Channel) -> None:
    """Store the rows (bulk) and their "report.received" audit entries; sets their pk."""
    reports = [row.report(channel) for row in rows]
    if len(reports) == 1:
        reports[0].save(force_insert=True)
        ReportDigest.of(reports[0]).save(force_insert=True)
    else:
        Report.objects.bulk_create(reports)
        ReportDigest.objects.bulk_create([ReportDigest.of(report) for report in reports])
    audit_record_many(action="report.received", objects=reports, data=_received_data, system_actor=channel)
    for row, report in zip(rows, reports, strict=True):
        row.pk = report.pk


def _failure_reason(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def mailbox_import(
    messages: Iterable[bytes],
    *,
    channel: Channel = Channel.MAILBOX,
    acknowledge: bool = True,
    batch_size: int = IMPORT_BATCH,
    on_failure: Callable[[int, str], None] | None = None,
    on_read: Callable[[int], None] | None = None,
) -> ImportCounts:
    """Store messages as reports in batches, then queue their processing.

    Each batch is one transaction: the reports (raw bytes, digest, status received) and
    their "report.received" audit entries, each set in one statement (on PostgreSQL one
    COPY into a staging table and one INSERT … SELECT for both); the entries are chained
    by the processing's seal, as on the API's deferred path. A message the same
    reporter already sent (the unique digest per reporter, within the batch or stored
    before) is counted as a duplicate. If the batch insert fails, its messages are
    stored one by one so that only the bad one is skipped: `on_failure(number, reason)`
    names it (numbers count from 1 in reading order).

    Processing (parse, group, attribute; the acknowledgement unless `acknowledge` is
    False) is queued per chunk of reports on the intake queue once the batch is
    committed; without a broker (eager tasks) it runs here, before the next batch. A
    duplicate still waiting for processing (an earlier import stopped) is queued again.
    """
    counts = ImportCounts()
    batch: list[tuple[int, bytes]] = []
    for number, raw in enumerate(messages, start=1):
        counts.read = number
        batch.append((number, raw))
        if len(batch) >= batch_size:
            _import_batch(batch, channel, acknowledge, counts, on_failure)
            batch = []
        if on_read is not None:
            on_read(number)
    if batch:
        _import_batch(batch, channel, acknowledge, counts, on_failure)
    return counts


def _import_batch(batch, channel, acknowledge, counts: ImportCounts, on_failure) -> None:
    def failed(number: int, exc: BaseException) -> None:
        counts.failed += 1
        logger.warning("import: message %s not stored", number, exc_info=exc)
        if on_failure is not None:
            on_failure(number, _failure_reason(exc))

    rows: list[tuple[int, _NewReport]] = []
    for number, raw in batch:
        try:
            rows.append((number, _new_report(raw, channel)))
        except Exception as exc:  # one bad message is named and skipped; the rest go on
            failed(number, exc)
    stored = {
        (key, digest): (pk, status)
        for key, digest, pk, status in ReportDigest.objects.filter(
            raw_sha256__in={r.raw_sha256 for _, r in rows}
        ).values_list("reporter_key", "raw_sha256", "pk", "report__status")
    }
    fresh: list[tuple[int, _NewReport]] = []
    seen: set[tuple[str, str]] = set()
    waiting: list[int] = []  # duplicates whose processing never ran
    for number, report in rows:
        key = (report.reporter_key, report.raw_sha256)
        if key in seen or key in stored:
            counts.duplicates += 1
            if key in stored and stored[key][1] == ReportStatus.RECEIVED:
                waiting.append(stored[key][0])
            continue
        seen.add(key)
        fresh.append((number, report))
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                created = _store_copy([r for _, r in fresh], channel)
            else:
                _store_orm([r for _, r in fresh], channel)
                created = [r for _, r in fresh]
        # Stored by another intake between the check above and the insert: a duplicate.
        counts.duplicates += len(fresh) - len(created)
    except Exception:
        # Something in the batch cannot be stored (or the same mail arrived meanwhile
        # from elsewhere): one by one, so only what cannot be stored is skipped.
        logger.info("import: batch insert failed, storing its %s messages one by one", len(fresh), exc_info=1)
        created = []
        for number, report in fresh:
            report.pk = None
            try:
                with transaction.atomic():
                    _store_orm([report], channel)
            except IntegrityError as exc:
                found = (
                    ReportDigest.objects.filter(
                        reporter_key=report.reporter_key, raw_sha256=report.raw_sha256
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
                if found is None:
                    failed(number, exc)
                else:
                    counts.duplicates += 1
            except Exception as exc:
                failed(number, exc)
            else:
                created.append(report)
    counts.created += len(created)
    ids = [r.pk for r in created]
    if _process_queue(ids + waiting, ids if acknowledge else []) and ids:
        counts.triage += Report.objects.filter(pk__in=ids, status=ReportStatus.MANUAL_TRIAGE).count()


def _process_queue(report_ids: list[int], acknowledge_ids: list[int]) -> bool:
    """Queue the processing of stored reports in chunks on the intake queue; without a
    broker (or with the broker unreachable) it runs here. True when it ran here."""
    from abusedesk.celery import app as celery_app
    from complaints.tasks import process_reports

    ran_any = False
    ack = set(acknowledge_ids)
    for start in range(0, len(report_ids), PROCESS_CHUNK):
        chunk = report_ids[start : start + PROCESS_CHUNK]
        chunk_ack = [pk for pk in chunk if pk in ack]
        ran_here = bool(celery_app.conf.task_always_eager)
        try:
            process_reports.delay(chunk, chunk_ack)
        except Exception:
            if ran_here:
                # Stored as received: the recovery sweep processes them later.
                logger.warning("import: processing of reports %s failed", chunk, exc_info=True)
                continue
            logger.warning("import: queueing the processing failed; processing here", exc_info=True)
            ran_here = True
            try:
                reports_process_many(report_ids=chunk, acknowledge_ids=chunk_ack)
            except OperationalError:
                logger.warning("import: reports %s stored, processing deferred", chunk, exc_info=True)
        ran_any = ran_any or ran_here
    return ran_any


# PostgreSQL: COPY into a staging table, then one INSERT … SELECT … ON CONFLICT DO NOTHING
# that also writes the audit entries; every other column gets the model's default.
_STAGED = ("raw", "raw_sha256", "size", "reporter_key")


def _defaults_sql(model, given: dict[str, str]) -> tuple[list[str], list[str], list]:
    """(columns, expressions, params) of an INSERT … SELECT into `model`: `given` maps
    columns to SQL expressions; every other concrete column gets the field's default,
    cast to its type (a column a later migration adds is filled as the ORM fills it)."""
    columns, expressions, params = [], [], []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(model_field.column))
        if model_field.column in given:
            expressions.append(given[model_field.column])
            continue
        value = model_field.get_db_prep_save(model_field.get_default(), connection)
        expressions.append(f"%s::{model_field.db_type(connection)}")
        params.append(value)
    return columns, expressions, params


def _store_copy(reports: list[_NewReport], channel: Channel) -> list[_NewReport]:
    """Store `reports` (not yet saved) and their "report.received" audit entries in the
    caller's transaction; returns those inserted (a row that meets the unique digest
    per reporter is left out), with their pk set."""
    from abusedesk.models import AuditEntry

    if not reports:
        return []
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE import_stage (n integer, raw bytea, raw_sha256 text, size integer, "
            "reporter_key text) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            "COPY import_stage (n, raw, raw_sha256, size, reporter_key) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int4", "bytea", "text", "int4", "text"])
            for n, report in enumerate(reports):
                copy.write_row((n, report.raw, report.raw_sha256, report.size, report.reporter_key))
        given = {column: f"s.{column}" for column in _STAGED}
        given.update(content_type="%s", channel="%s", received_at="%s")
        report_columns, report_values, report_params = _defaults_sql(Report, given)
        # The digest rows are the duplicate check: each takes its report's id from the
        # reports' identity sequence, and only the rows it let in become reports.
        params: list = []
        fixed = {"content_type": "message/rfc822", "channel": str(channel), "received_at": now}
        defaults = iter(report_params)
        for model_field in Report._meta.concrete_fields:
            if model_field.primary_key or model_field.column in _STAGED:
                continue
            params.append(fixed[model_field.column] if model_field.column in fixed else next(defaults))
        audit_given = {
            "at": "%s",
            "actor_name": "%s",
            "action": "'report.received'",
            "object_type": "%s",
            "object_id": "ins.id::text",
            "data": "jsonb_build_object('channel', %s::text, 'sha256', ins.raw_sha256, 'size', ins.size)",
        }
        audit_columns, audit_values, audit_params = _defaults_sql(AuditEntry, audit_given)
        fixed = {
            "at": [now],
            "actor_name": [str(channel)],
            "object_type": [Report._meta.label_lower],
            "data": [str(channel)],
        }
        defaults = iter(audit_params)
        for model_field in AuditEntry._meta.concrete_fields:
            if model_field.primary_key or model_field.column in ("action", "object_id"):
                continue
            params.extend(fixed[model_field.column] if model_field.column in fixed else [next(defaults)])
        # Table and column names from the models only; every value is a parameter.
        reports_table = Report._meta.db_table
        sql = (
            f"WITH digest AS ("  # noqa: S608
            f" INSERT INTO {ReportDigest._meta.db_table}"
            f" (report_id, reporter_key, raw_sha256, idempotency_key)"
            f" SELECT nextval(pg_get_serial_sequence('{reports_table}', 'id')), s.reporter_key,"
            f" s.raw_sha256, '' FROM import_stage s ORDER BY s.n"
            f" ON CONFLICT DO NOTHING RETURNING report_id, reporter_key, raw_sha256"
            f"), ins AS ("
            f" INSERT INTO {reports_table} (id, {', '.join(report_columns)})"
            f" SELECT d.report_id, {', '.join(report_values)} FROM import_stage s"
            f" JOIN digest d ON d.reporter_key = s.reporter_key AND d.raw_sha256 = s.raw_sha256"
            f" ORDER BY d.report_id RETURNING id, raw_sha256, size, reporter_key"
            f"), audit AS ("
            f" INSERT INTO {AuditEntry._meta.db_table} ({', '.join(audit_columns)})"
            f" SELECT {', '.join(audit_values)} FROM ins ORDER BY ins.id"
            f") SELECT id, reporter_key, raw_sha256 FROM ins"
        )
        cursor.execute(sql, params)
        inserted = {(key, digest): pk for pk, key, digest in cursor.fetchall()}
        cursor.execute("DROP TABLE import_stage")
    created = []
    for report in reports:
        pk = inserted.get((report.reporter_key, report.raw_sha256))
        if pk is not None:
            report.pk = pk
            created.append(report)
    return created
