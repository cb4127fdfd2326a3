"""Reads of DNS evidence: what a report or case rests on."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import getaddresses

from django.conf import settings
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from complaints.choices import ReportStatus
from complaints.models import Case, Evidence, Report

from .lookups import is_ip, normalize_name
from .resolver import DnsResult


@dataclass(frozen=True)
class Subjects:
    """What a report lets us look into: addresses, URL host names, sender domains."""

    ips: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    # URL hosts beyond the first N (settings): not looked up, recorded as left out.
    over_limit: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.ips + self.hosts + self.domains))

    def __bool__(self) -> bool:
        return bool(self.ips or self.hosts or self.domains)


# Outcomes where no server replied: recorded, but they leave the question owed.
UNANSWERED = (Evidence.Outcome.TIMEOUT, Evidence.Outcome.ERROR)


def _domain_of(address: str) -> str | None:
    # mail_from may be "<a@b>" or "<>"; header_from may carry a display name.
    for _name, addr in getaddresses([address]):
        local, at, domain = addr.rpartition("@")
        if at and local and domain:
            return normalize_name(domain)
    return None


def _url_subjects(report: Report) -> list[str]:
    """The report's URL hosts, distinct, in order of appearance (an address URL as its address)."""
    out: list[str] = []
    for host in report.url_hosts or []:
        host = str(host).strip("[]")
        if is_ip(host):  # http://203.0.113.9/ : the address itself is the subject
            out.append(str(ipaddress.ip_address(host)))
        elif host:
            out.append(normalize_name(host))
    return list(dict.fromkeys(out))


def _max_hosts() -> int:
    return max(0, int(getattr(settings, "ABUSEDESK_EVIDENCE_MAX_HOSTS", 20)))


def report_subjects(report: Report) -> Subjects:
    """What to look up for a report: its source, its first N URL hosts (ABUSEDESK_EVIDENCE_MAX_HOSTS,
    by order of appearance: 350,000 URLs must not become 2,000 questions) and its sender domains."""
    ips: list[str] = []
    hosts: list[str] = []
    if report.source_ip:
        ips.append(str(ipaddress.ip_address(report.source_ip)))
    url_subjects, limit = _url_subjects(report), _max_hosts()
    for subject in url_subjects[:limit]:
        (ips if is_ip(subject) else hosts).append(subject)
    domains = [d for d in (_domain_of(report.mail_from), _domain_of(report.header_from)) if d]
    unique = dict.fromkeys
    return Subjects(
        ips=tuple(unique(ips)),
        hosts=tuple(unique(hosts)),
        domains=tuple(unique(domains)),
        over_limit=tuple(url_subjects[limit:]),
    )


def evidence_key(record: Evidence) -> tuple[str, str, str, str, str]:
    """The question a record answers; the same key as `lookups.Ask.key`."""
    return (record.subject, record.kind, record.query_name, record.query_type, record.zone)


def evidence_latest(*, subjects: tuple[str, ...], since: datetime | None = None) -> dict[tuple, Evidence]:
    """The newest record per question about these subjects (optionally asked since a time)."""
    records = Evidence.objects.filter(subject__in=subjects).order_by("-asked_at", "-id")
    if since is not None:
        records = records.filter(asked_at__gte=since)
    latest: dict[tuple, Evidence] = {}
    for record in records:
        latest.setdefault(evidence_key(record), record)
    return latest


# The two reads of every collection go as statement texts built from the models'
# metadata, their values converted as the ORM converts them: compiling these
# queries through the ORM cost several times what running them did (about 1.6 ms
# against 0.3 ms of CPU for the answers, 0.9 against 0.15 for the report), on
# every report, in a process whose CPU the DNS queries need.
_COLUMNS: dict[tuple, tuple[list, list]] = {}


def _columns(connection, model, names: tuple[str, ...]) -> tuple[list, list]:
    """The model's fields among `names` (in the model's order) and each one's converters."""
    key = (connection.alias, model, names)
    if key not in _COLUMNS:
        fields = [f for f in model._meta.concrete_fields if f.attname in names]
        cols = [f.get_col(model._meta.db_table) for f in fields]
        converters = [connection.ops.get_db_converters(c) + c.get_db_converters(connection) for c in cols]
        _COLUMNS[key] = (fields, list(zip(cols, converters, strict=True)))
    return _COLUMNS[key]


def _select(model, names: tuple[str, ...], where: str, params: list, *, distinct: str = "") -> list[list]:
    """Rows of these fields of `model` (in the model's field order), as the ORM reads them."""
    connection = connections[router.db_for_read(model)]
    fields, converters = _columns(connection, model, names)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"SELECT {distinct}{columns} FROM {quote(model._meta.db_table)} WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        values = []
        for value, (col, funcs) in zip(row, converters, strict=True):
            for func in funcs:
                value = func(value, col, connection)
            values.append(value)
        out.append(values)
    return out


# What a collection reads of its report (not the raw message, which can be megabytes).
_REPORT_FIELDS = ("id", "source_ip", "url_hosts", "mail_from", "header_from", "case_id", "facts")


def report_for_evidence(*, report_id: int) -> Report:
    """The report with what evidence collection reads of it (the rest deferred)."""
    rows = _select(Report, _REPORT_FIELDS, "id = %s", [report_id])
    if not rows:
        raise Report.DoesNotExist(f"report {report_id}")
    return Report.from_db(router.db_for_read(Report), _REPORT_FIELDS, rows[0])


_ANSWER_FIELDS = (
    "id",
    "subject",
    "kind",
    "query_name",
    "query_type",
    "zone",
    "server",
    "asked_at",
    "outcome",
)
_ANSWER_FIELDS += ("answer", "ttl")


def evidence_latest_results(*, subjects: tuple[str, ...], since: datetime) -> dict[tuple, DnsResult]:
    """The newest answer per question about these subjects asked since a time, for the
    collection to decide what to ask again and to follow up on.

    Without the response text (a follow-up needs the answer, freshness its outcome,
    TTL and time). On PostgreSQL one row per question comes back (DISTINCT ON), so
    a subject asked about every few minutes all day is not read a few hundred times.
    """
    if not subjects:
        return {}
    connection = connections[router.db_for_read(Evidence)]
    order = "ORDER BY subject, kind, query_name, query_type, zone, asked_at DESC, id DESC"
    since_param = connection.ops.adapt_datetimefield_value(since)
    distinct = ""
    if connection.vendor == "postgresql":
        distinct = "DISTINCT ON (subject, kind, query_name, query_type, zone) "
        where, params = "subject = ANY(%s)", [list(subjects)]
    else:
        where, params = f"subject IN ({', '.join(['%s'] * len(subjects))})", list(subjects)
    where = f"{where} AND asked_at >= %s {order}"
    rows = _select(Evidence, _ANSWER_FIELDS, where, [*params, since_param], distinct=distinct)
    latest: dict[tuple, DnsResult] = {}
    for _pk, subject, kind, name, rdtype, zone, server, asked_at, outcome, answer, ttl in rows:
        if (subject, kind, name, rdtype, zone) not in latest:  # the newest comes first
            latest[(subject, kind, name, rdtype, zone)] = DnsResult(
                query_name=name, query_type=rdtype, server=server, asked_at=asked_at,
                outcome=outcome, answer=list(answer), ttl=ttl,
            )  # fmt: skip
    return latest


def _evidence_for_subjects(subjects: tuple[str, ...], *, history: bool) -> list[Evidence]:
    if not subjects:
        return []
    if history:
        records = Evidence.objects.filter(subject__in=subjects)
        return list(records.order_by("subject", "kind", "-asked_at", "-id"))
    latest = evidence_latest(subjects=subjects)
    return sorted(latest.values(), key=lambda r: (r.subject, r.kind, r.query_name, r.query_type, r.zone))


def evidence_for_report(report: Report, *, history: bool = False) -> list[Evidence]:
    """The latest record per question about the report's subjects; every record with `history`.

    By subject, not by `Evidence.report`: a question answered for an earlier
    report within its TTL is not asked again, and still counts for this one.
    """
    return _evidence_for_subjects(report_subjects(report).all, history=history)


def evidence_for_case(case: Case, *, history: bool = False) -> list[Evidence]:
    subjects: dict[str, None] = {}
    for report in case.reports.only("source_ip", "url_hosts", "mail_from", "header_from"):
        subjects.update(dict.fromkeys(report_subjects(report).all))
    return _evidence_for_subjects(tuple(subjects), history=history)


def reports_missing_evidence(*, limit: int = 500, now: datetime | None = None) -> list[int]:
    """Parsed reports of the last 7 days, older than 5 minutes, with no evidence yet.

    A question that got no reply (a timeout, a network error) is recorded but is not
    evidence of anything: a report whose questions all went unanswered (the resolver
    was down) is owed its evidence and is sent again, until one comes back.

    The 5 minutes leave the task enqueued on commit time to run; reports whose
    subjects were all answered within the TTL for another report have no rows
    of their own, so they are filtered by subject too (else they would be
    re-sent every sweep for a week).
    """
    now = now or timezone.now()
    candidates = (
        Report.objects.filter(
            status=ReportStatus.PARSED,
            received_at__gte=now - timedelta(days=7),
            received_at__lt=now - timedelta(minutes=5),
        )
        .filter(Q(source_ip__isnull=False) | ~Q(url_hosts=[]))
        .filter(~Exists(Evidence.objects.filter(report=OuterRef("pk")).exclude(outcome__in=UNANSWERED)))
        .order_by("received_at", "pk")
        .only("pk", "source_ip", "url_hosts", "mail_from", "header_from")
    )
    found: list[int] = []
    # Bounded: at most ten batches of candidates are looked at per sweep.
    chunk: list[tuple[int, tuple[str, ...]]] = []
    for report in candidates[: limit * 10].iterator(chunk_size=500):
        chunk.append((report.pk, report_subjects(report).all))
        if len(chunk) == 500:
            found += _without_evidence(chunk)
            chunk = []
        if len(found) >= limit:
            return found[:limit]
    found += _without_evidence(chunk)
    return found[:limit]


def _without_evidence(reports: list[tuple[int, tuple[str, ...]]]) -> list[int]:
    """The reports with a subject that has no evidence row at all."""
    wanted = {s for _pk, subjects in reports for s in subjects}
    if not wanted:
        return []
    seen = set(
        Evidence.objects.filter(subject__in=wanted)
        .exclude(outcome__in=UNANSWERED)
        .values_list("subject", flat=True)
        .distinct()
    )
    return [pk for pk, subjects in reports if subjects and not set(subjects) <= seen]
