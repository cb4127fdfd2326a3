"""One intake path for every channel.

Order matters: the raw bytes are committed first, in their own transaction, so a
crash in parsing, grouping or a later task never loses a complaint; processing
then runs (and can be re-run by a task) on the stored copy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import json
import logging
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, connections, router, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from abusedesk import rawsql
from abusedesk.audit import audit_record, audit_seals_held
from complaints.choices import Channel, ReportFormat, ReportStatus
from complaints.models import Hop, Report, ReportDigest, ReportUrl
from complaints.parsing import ParsedReport, TrustContext, parse_report
from complaints.parsing.urls import url_host

from .acks import acknowledgement_enqueue
from .cases import case_attach, case_changes_held

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    report: Report
    created: bool
    # True when processing was queued for the intake workers instead of run here:
    # the report is stored (status "received") and a worker parses and groups it.
    deferred: bool = False


def trust_context() -> TrustContext:
    from subscribers.choices import BlockKind
    from subscribers.selectors import block_for, is_own_mail_server

    def is_our_address(ip: str) -> bool:
        return block_for(ip=ip) is not None

    def is_shared_address(ip: str) -> bool:
        block = block_for(ip=ip)
        return block is not None and block.kind == BlockKind.SHARED

    return TrustContext(
        own_domains=tuple(settings.ABUSEDESK_OWN_DOMAINS),
        is_own_mail_server=is_own_mail_server,
        is_our_address=is_our_address,
        is_shared_address=is_shared_address,
    )


def _existing(reporter_key: str, digest: str, idempotency_key: str) -> Report | None:
    """The report this reporter already filed with this idempotency key or these bytes."""
    digests = ReportDigest.objects.filter(reporter_key=reporter_key[:320])
    found = None
    if idempotency_key:
        found = digests.filter(idempotency_key=idempotency_key[:200]).values_list("pk", flat=True).first()
    found = found or digests.filter(raw_sha256=digest).values_list("pk", flat=True).first()
    return None if found is None else Report.objects.filter(pk=found).first()


def report_ingest(
    *,
    raw: bytes,
    channel: Channel,
    reporter_key: str,
    content_type: str = "",
    partner=None,
    submitted_by=None,
    idempotency_key: str = "",
    form: dict | None = None,
    acknowledge: bool = True,
    defer: bool = False,
) -> IngestResult:
    """Store a complaint as received, then parse and group it.

    `form` carries the already validated fields of a short form (API plain JSON,
    or staff filling in a phone call); `raw` is then the form as received.
    Returns the existing report, unchanged, when the same reporter re-sends the
    same bytes or the same idempotency key. `acknowledge=False` sends no
    acknowledgement (bulk imports of old mail, demo data).

    `defer=True` (the partner API with a broker) stores the report, its digest and its
    audit entry in one short transaction and queues the processing for the intake
    workers (`process_report`); the report stays "received" until a worker has parsed
    and grouped it, and the recovery sweep re-queues it if the message is lost. A short
    form is read again from the stored bytes by the worker. If the broker cannot be
    reached the report is processed here, as without one (result not deferred). Only
    for channels that owe no acknowledgement (the API): none is sent on this path.
    """
    digest = hashlib.sha256(raw).hexdigest()
    # Deferred, the insert itself is the duplicate check (the unique constraints on
    # digest and idempotency key per reporter, in ReportDigest): one statement less for
    # every new report.
    found = None if defer else _existing(reporter_key, digest, idempotency_key)
    if found:
        return IngestResult(_finished(found, form), created=False)
    try:
        with transaction.atomic():
            report = Report(
                raw=raw,
                raw_sha256=digest,
                size=len(raw),
                content_type=content_type[:100],
                channel=channel,
                reporter_key=reporter_key[:320],
                partner=partner,
                submitted_by=submitted_by,
                idempotency_key=idempotency_key[:200],
                received_at=timezone.now(),
            )
            rawsql.insert([report])  # the partner API's hottest statement: by hand, not compiled
            # The duplicate check: a second filing of the same bytes or key fails here.
            _digest_insert(report)
            audit_record(
                actor=submitted_by or (partner.user if partner else None),
                action="report.received",
                obj=report,
                data={"channel": channel, "sha256": digest, "size": len(raw)},
                system_actor=channel,
                # Deferred, the worker's "report.parsed" entry seals both: the request
                # does not queue on the chain's lock.
                seal=not defer,
            )
    except IntegrityError:
        # The same report arrived twice at the same moment; the other one won.
        found = _existing(reporter_key, digest, idempotency_key)
        if found is None:
            raise
        # Deferred, a report still waiting for its worker is queued again (claimed by
        # status: a second run does nothing); the caller gets it as it stands.
        if defer and (found.status != ReportStatus.RECEIVED or _queue_processing(found.pk)):
            return IngestResult(found, created=False, deferred=found.status == ReportStatus.RECEIVED)
        return IngestResult(_finished(found, form), created=False)
    if defer and _queue_processing(report.pk):
        _recover_left_work()
        return IngestResult(report, created=True, deferred=True)
    # In-process (no broker, or the broker unreachable just now): parse and group here.
    try:
        report_process(report_id=report.pk, form=form)
    except OperationalError:
        # The database stayed busy past its timeout: the report is stored as received
        # and the recovery (next report, request-time check, sweep) processes it.
        logger.warning("report %s stored, processing deferred", report.pk, exc_info=True)
    report.refresh_from_db()
    if acknowledge:
        acknowledgement_enqueue(report)
    _recover_left_work()
    return IngestResult(report, created=True)


def _digest_insert(report: Report) -> None:
    """The report's ReportDigest row as one plain INSERT (its unique constraints refuse a
    second filing): the ORM's save() of it cost 0.2-0.35 ms of CPU per filing, more than
    the statement itself, on the partner API's hottest path."""
    meta = ReportDigest._meta
    names = ("report", "reporter_key", "raw_sha256", "idempotency_key")
    columns = [meta.get_field(name).column for name in names]
    connection = connections[router.db_for_write(ReportDigest)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} "  # noqa: S608 (names from the model)
            f"({', '.join(connection.ops.quote_name(c) for c in columns)}) VALUES (%s, %s, %s, %s)",
            [report.pk, report.reporter_key, report.raw_sha256, report.idempotency_key],
        )


def _finished(report: Report, form: dict | None) -> Report:
    """A re-sent report that was never processed (its first filing crashed, or is still
    running): process it now rather than answer with a report stuck as received."""
    if report.status == ReportStatus.RECEIVED:
        report_process(report_id=report.pk, form=form)
        report.refresh_from_db()
    return report


def _queue_processing(report_id: int) -> bool:
    """Hand the stored report to the intake workers; False when the broker cannot be
    reached, and the caller processes it itself (a broker outage costs speed, never a
    report). Inside an outer transaction the message goes on commit, and a lost one
    leaves the report "received" for the recovery sweep to queue again."""
    from complaints.tasks import process_report

    from .drain import drains_enabled, intake_kick

    def send() -> bool:
        # With drains, a filing makes sure one will see it (a message only when no
        # drain holds a slot); without, one message names the report.
        if drains_enabled():
            return intake_kick()
        try:
            process_report.delay(report_id)
            return True
        except Exception:
            logger.warning("report %s stored, queueing its processing failed", report_id, exc_info=True)
            return False

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(send, robust=True)
        return True
    return send()


def _recover_left_work() -> None:
    """Without beat, the next report is what notices work left behind (rate-limited):
    after the response in a request, so the partner's answer never waits for the sweep;
    after the commit elsewhere (commands, tasks)."""
    from abusedesk.afterresponse import after_response

    from .recovery import recovery_if_due

    if not after_response(recovery_if_due):
        transaction.on_commit(recovery_if_due, robust=True)


def report_process(*, report_id: int, form: dict | None = None) -> None:
    """Parse a stored report, attach it to its case and attribute it. Safe to run again.

    The case is announced as changed, and the audit entries are chained, once after both
    steps (see case_changes_held, audit_seals_held); both steps ask the inventory each
    question once (lookups_memoized)."""
    from subscribers.selectors import lookups_memoized

    with audit_seals_held(), case_changes_held(), lookups_memoized():
        _report_process(report_id=report_id, form=form)


def _report_process(*, report_id: int, form: dict | None) -> None:
    report = rawsql.instance(Report, "t.id = %s", [report_id])
    if report.status not in (ReportStatus.RECEIVED,):
        return
    if form is None:
        form = stored_short_form(report)
    try:
        parsed = _parse(report, form)
        with transaction.atomic():
            # The claim: a second run (a re-sent report, the sweep, a redelivered task)
            # waits here for the first and then finds nothing left to do.
            if not _claim(report_id):
                return
            report_store_parsed(report, parsed)
    except OperationalError:
        raise  # the database was busy or away: worth another try, not a person's time
    except Exception as exc:  # the complaint is stored; a person takes it from here
        report_processing_failed(report_id, exc)


def report_store_parsed(report: Report, parsed: ParsedReport) -> None:
    """Inside the transaction that holds the report claimed: store what the parse found,
    attach the report to its case, and owe its attribution (and evidence) on commit."""
    report_id = report.pk
    _store_facts(report, parsed)
    if parsed.more_reported_raw:
        others = list(parsed.more_reported_raw)
        transaction.on_commit(lambda: _file_the_others(report, others), robust=True)
    hops = report.stored_hops
    if report.status == ReportStatus.PARSED:
        case_attach(report=report)
        transaction.on_commit(lambda: _followups(report_id, hops=hops), robust=True)
    else:
        # Even a report nobody can attribute carries "unknown" and the reason.
        transaction.on_commit(lambda: _attribute_now(report_id, hops=hops), robust=True)


def report_processing_failed(report_id: int, exc: Exception) -> None:
    """The processing raised (not the database): the complaint stays stored and goes to
    manual triage with the reason, and is still attributed ("unknown" and why)."""
    logger.exception("processing report %s failed", report_id)
    Report.objects.filter(pk=report_id, status=ReportStatus.RECEIVED).update(
        status=ReportStatus.MANUAL_TRIAGE,
        status_reason=f"processing failed: {type(exc).__name__}: {exc}"[:2000],
    )
    transaction.on_commit(lambda: _attribute_now(report_id), robust=True)


def _claim(report_id: int) -> bool:
    """Lock the report if it is still waiting for its processing (by hand: one per report)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT 1 FROM {Report._meta.db_table} WHERE id = %s AND status = %s{lock}"  # noqa: S608
    return bool(rawsql.fetch(sql, [report_id, str(ReportStatus.RECEIVED)]))


def _file_the_others(report: Report, raws: list[bytes]) -> None:
    """A complaint that carried several reported messages (a person's "here are three
    more", a digest): each other one is filed as a report of its own, from the same
    reporter by the same channel, so each is attributed and grouped on its own facts.
    Filed again (the complaint processed afresh), each is found as already stored."""
    filed = []
    for raw in raws:
        result = report_ingest(
            raw=raw,
            channel=report.channel,
            reporter_key=report.reporter_key,
            content_type="message/rfc822",
            partner=report.partner,
            submitted_by=report.submitted_by,
            acknowledge=False,
        )
        filed.append(result.report.pk)
    audit_record(
        action="report.attached_filed",
        obj=report,
        case_id=report.case_id,
        data={"reports": filed},
        system_actor=report.channel,
    )


def reports_process_many(*, report_ids: list[int], acknowledge_ids: list[int] | tuple = ()) -> None:
    """Process reports stored by a bulk import (`report_process` each: a report already
    processed is left alone), then owe an acknowledgement to those in `acknowledge_ids`
    that want one (it depends on the parsed format, so it follows the processing)."""
    ack = set(acknowledge_ids)
    for report_id in report_ids:
        report_process(report_id=report_id)
        if report_id in ack:
            owed = Report.objects.filter(pk=report_id, acknowledged_at__isnull=True, ack_pending=False)
            report = owed.first()
            if report is not None and report.status != ReportStatus.RECEIVED:
                acknowledgement_enqueue(report)


# A worker attributing report after report reads the inventory's version at most every 5 s.
INVENTORY_VERSION_MAX_AGE = 5.0


def _attribute_now(report_id: int, *, hops: list | None = None) -> None:
    """The attribution from the inventory, right after processing and in the same task:
    it never waits behind the processing backlog of the intake queue. Its own short
    transaction, after processing's commit, so a failure here never undoes the parse.
    If it fails (the database busy past its timeout) it is queued as its own task, and
    the recovery sweep finds any report left unattributed. `hops`: the report's hops
    as the processing just stored them, so they are not read back."""
    from complaints.attribution.services import report_attribute
    from complaints.tasks import attribute_report

    try:
        report_attribute(report_id=report_id, version_max_age=INVENTORY_VERSION_MAX_AGE, hops=hops)
    except OperationalError:
        logger.warning("attributing report %s failed, queued again", report_id, exc_info=True)
        attribute_report.delay(report_id)


def _followups(report_id: int, *, hops: list | None = None) -> None:
    """Attribution now (from the inventory), then evidence (DNS) and attribution again
    with what the evidence showed (blocklist listings, where URL hosts point)."""
    from celery import chain

    from abusedesk.afterresponse import after_response
    from abusedesk.celery import app as celery_app
    from complaints.tasks import attribute_report, authenticate_sender, collect_evidence

    try:
        _attribute_now(report_id, hops=hops)
    except Exception:  # the evidence is still owed; the sweep attributes the report again
        logger.exception("attributing report %s failed", report_id)
    if not settings.ABUSEDESK_COLLECT_EVIDENCE:
        return
    if celery_app.conf.task_always_eager:
        # In-process: one after the other. An eager chain waits on its results, which
        # Celery refuses while another thread of the same server is running a task.
        def in_process() -> None:
            collect_evidence.delay(report_id)
            authenticate_sender.delay(report_id)
            attribute_report.delay(report_id)

        # Never ask the DNS while a web request waits: the request stores and answers,
        # the evidence follows once the response is sent (outside a request, now).
        if not after_response(in_process):
            in_process()
        return
    chain(
        collect_evidence.si(report_id), authenticate_sender.si(report_id), attribute_report.si(report_id)
    ).delay()


SHORT_FORM_KEYS = {"source_ip", "occurred_at"}


def stored_short_form(report: Report) -> dict | None:
    """The short form (API plain JSON, a phone call typed in) read back from the stored
    bytes, for a worker or the recovery that processes it later. It was validated
    before it was stored; anything else (XARF JSON, mail) returns None."""
    if (report.content_type or "").split(";")[0].strip().lower() != "application/json":
        return None
    try:
        data = json.loads(bytes(report.raw).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict) or not SHORT_FORM_KEYS <= data.keys() or "xarf_version" in data:
        return None
    try:
        occurred_at = parse_datetime(str(data["occurred_at"]))
        source_ip = str(ipaddress.ip_address(str(data["source_ip"])))
    except ValueError:
        return None
    if occurred_at is None:
        return None
    problems = []
    if timezone.is_naive(occurred_at):
        # Mailed in (the API's own form refuses it): which instant it means depends on a
        # zone nobody stated, and a dynamic address's holder depends on the instant.
        problems.append(
            f"occurred_at {str(data['occurred_at'])[:60]!r} has no UTC offset: the instant is unknown"
        )
        occurred_at = None
    return {
        "source_ip": source_ip,
        "occurred_at": occurred_at,
        "category": data.get("category") or "spam",
        "message": data.get("message") or "",
        "reporter": data.get("reporter") or "",
        "problems": problems,
    }


# A receiving server's clock may run a little fast; a time later than this after the
# report reached us cannot be the spam's.
ARRIVAL_CLOCK_SKEW = timedelta(minutes=15)


def _parse(report: Report, form: dict | None) -> ParsedReport:
    return _time_before_arrival(_parse_stored(report, form), report.received_at)


def _time_before_arrival(parsed: ParsedReport, received_at) -> ParsedReport:
    """A spam was sent before it was reported. A time after the report reached us (a
    receiver's clock a week or a year ahead, an FBL's skewed Arrival-Date) would pick
    whoever holds a dynamic address now: it is kept as a fact and not used."""
    at = parsed.occurred_at
    if at is None or received_at is None or at <= received_at + ARRIVAL_CLOCK_SKEW:
        return parsed
    parsed.occurred_at, parsed.occurred_at_after_arrival = None, at
    parsed.occurred_at_basis = None
    parsed.note(
        f"the reported time {_utc_text(at)} is after the report reached us ({_utc_text(received_at)}): "
        "a clock set wrong; the time is not used"
    )
    return parsed


def _utc_text(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _parse_stored(report: Report, form: dict | None) -> ParsedReport:
    raw = bytes(report.raw)
    if form is None:
        return parse_report(raw, content_type=report.content_type or None, trust=trust_context())
    message = (form.get("message") or "").encode("utf-8")
    parsed = parse_report(message, trust=trust_context()) if message.strip() else None
    base = parsed or ParsedReport()
    for problem in form.get("problems") or ():
        base.note(problem)
    return dataclasses.replace(
        base,
        format=ReportFormat.PLAIN_FORM,
        source_ip=form["source_ip"],
        source_ip_stated=form["source_ip"],
        occurred_at=form["occurred_at"],
        category=form.get("category") or "spam",
        reporter=form.get("reporter") or base.reporter,
        parse_error=None,
    )


_PARSED_FIELDS = (
    "format", "category", "reporter", "source_ip", "occurred_at", "subject", "message_id", "mail_from",
    "header_from", "authenticated_as", "url_hosts", "facts", "status", "status_reason",
)  # fmt: skip


def _store_facts(report: Report, parsed: ParsedReport) -> None:
    parsed_before = bool(report.facts)  # a report stored by intake has none yet
    report.format = parsed.format or ReportFormat.UNKNOWN
    report.category = (parsed.category or "")[:40]
    report.reporter = (parsed.reporter or "")[:320]
    report.source_ip = parsed.source_ip
    report.occurred_at = parsed.occurred_at
    report.subject = parsed.subject or ""
    report.message_id = (parsed.message_id or "")[:998]
    report.mail_from = (parsed.mail_from or "")[:320]
    report.header_from = (parsed.header_from or "")[:320]
    report.authenticated_as = (parsed.authenticated_as or "")[:320]
    report.url_hosts = list(parsed.url_hosts)
    # Content stays in `raw` (S1, behind the logged action); hops have their own table.
    facts = parsed.to_dict(include_content=False)
    facts.pop("hops", None)
    report.facts = facts
    if parsed.parse_error:
        report.status = ReportStatus.MANUAL_TRIAGE
        report.status_reason = parsed.parse_error[:2000]
    elif not (parsed.source_ip or parsed.url_hosts or parsed.authenticated_as):
        report.status = ReportStatus.MANUAL_TRIAGE
        report.status_reason = "no source address, login or advertised host found"
    else:
        report.status = ReportStatus.PARSED
    # The parsed fields only: the stored bytes (up to megabytes) are not sent back.
    rawsql.update(report, _PARSED_FIELDS)
    # A report put back to "received" by hand is parsed afresh: its old hops and URLs go.
    if parsed_before:
        Hop.objects.filter(report=report).delete()
        ReportUrl.objects.filter(report=report).delete()
    # Kept on the instance for the attribution in the same task (engine.attribute).
    report.stored_hops = [
        Hop(
            report=report,
            position=i,
            from_name=(h.from_name or "")[:255],
            from_rdns=(h.from_rdns or "")[:255],
            from_address=h.from_address,
            by_name=(h.by_name or "")[:255],
            with_protocol=(h.with_protocol or "")[:64],
            hop_id=(h.id or "")[:255],
            time=h.time,
            trusted=h.trusted,
            is_origin=h.is_origin,
            raw=h.raw or "",
        )
        for i, h in enumerate(parsed.hops)
    ]
    # Written for every report: by hand, as bulk_create's compiling cost more than the insert.
    rawsql.insert(report.stored_hops)
    rawsql.insert([ReportUrl(report=report, url=u, host=(url_host(u) or "")[:255]) for u in parsed.urls])
    audit_record(
        action="report.parsed",
        obj=report,
        data={"status": report.status, "format": report.format, "reason": report.status_reason},
    )
