"""Grouping reports into cases by the resource they accuse."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from abusedesk import rawsql
from abusedesk.audit import audit_record
from complaints.choices import CaseKind, CaseStatus
from complaints.models import Case, Report
from complaints.signals import case_changed


def case_key_for(report: Report) -> tuple[str, str, str]:
    """(key, kind, subject) of the resource a report accuses.

    An authenticated login beats an address (the same account sends from many
    addresses); an address seen inside a session of ours is keyed by that
    session, so an address handed to another customer starts another case.
    """
    from subscribers.selectors import block_for, session_at

    if report.authenticated_as:
        login = report.authenticated_as.lower()
        return f"login:{login}", CaseKind.LOGIN, f"login {login}"
    if not report.source_ip and report.occurred_at:
        # No public origin: the chain ends inside our network at our own server's line
        # (webmail or an application server handing mail on without a login). Our log
        # of that line's queue ID names the login, as the attribution reads it: two
        # phished webmail accounts sending the same link are two cases, not one.
        from complaints.attribution.engine import QUEUE_ID_WINDOW, _inside_client
        from complaints.models import Hop
        from subscribers.selectors import mail_submissions

        hops = list(Hop.objects.filter(report=report).order_by("position"))
        inside = _inside_client(hops, report.facts or {})
        if inside is not None and inside.hop_id:
            at, window = report.occurred_at, QUEUE_ID_WINDOW
            entries = mail_submissions(queue_id=inside.hop_id, around=at, window=window)
            logins = {e.login.lower() for e in entries[:5] if e.login}
            if len(logins) == 1:
                login = logins.pop()
                return f"login:{login}", CaseKind.LOGIN, f"login {login}"
    if report.source_ip and report.url_hosts:
        from complaints.attribution.engine import _site_address

        if _site_address(report) == report.source_ip:
            # A notice about content at a URL (a phishing page on a shared hosting server):
            # the address is the site's server, which every tenant of that server shares;
            # the site is what the case is about, as the attribution names it.
            hosted = _hosted_site(report)
            if hosted is not None:
                return hosted
    if report.source_ip and block_for(ip=report.source_ip) is None:
        # Foreign spam advertising a site we host: the site is what our case is about.
        hosted = _hosted_site(report)
        if hosted is not None:
            return hosted
    if report.source_ip:
        # A time only the sender wrote (its Date header), or one without a zone, does
        # not pick the session.
        from complaints.attribution.engine import _other_holder_near, time_uncertainty

        trusted_time = report.occurred_at and time_uncertainty(report) is None
        session = session_at(ip=report.source_ip, at=report.occurred_at) if trusted_time else None
        if session is not None and _other_holder_near(report.source_ip, report.occurred_at, session):
            # Seconds from a change of hands: the attribution names nobody, and the
            # report is not counted in either holder's case (keyed by the address).
            return f"ip:{report.source_ip}", CaseKind.ADDRESS, report.source_ip
        if session is None and trusted_time:
            shared = _shared_holding(report, block_for(ip=report.source_ip))
            if shared is not None:
                return shared
        if session is not None:
            return f"session:{session.pk}", CaseKind.SESSION, f"{report.source_ip} (session {session.pk})"
        return f"ip:{report.source_ip}", CaseKind.ADDRESS, report.source_ip
    if report.url_hosts:
        # No address: the site we host among the links, as the attribution names it (the
        # first link in the sorted list may be a shortener's or an image host's).
        hosted = _hosted_site(report)
        if hosted is not None:
            return hosted
        host = report.url_hosts[0]
        return f"host:{host}", CaseKind.HOST, host
    return f"report:{report.pk}", CaseKind.REPORT, f"report {report.pk}"


def _hosted_site(report: Report) -> tuple[str, str, str] | None:
    """The first of the report's link hosts that a hosting account of ours serves, keyed
    by the name registered for it: www.shop.example and promo.shop.example are the one
    site shop.example, as the inventory has it. One query for all the hosts."""
    from subscribers.selectors import hosting_accounts_for_hosts

    hosts = list(report.url_hosts or [])
    found = hosting_accounts_for_hosts(hosts) if hosts else {}
    for host in hosts:
        account = found.get(host)
        if account is not None:
            site = getattr(account, "hosted_name", None) or host
            return f"host:{site}", CaseKind.HOST, site
    return None


def _shared_holding(report: Report, block) -> tuple[str, str, str] | None:
    """A shared IPv4 address (CGN) with the source port that identifies its holder: the
    port block's allocation (or, under MAP-E, the holder's IPv6 session) is the
    holding, as a session is for an address of its own. Keyed by the outside address,
    every subscriber behind it would share one case, and no case could name one."""
    from complaints.attribution.engine import port_of_one_holder, source_port
    from subscribers.choices import BlockKind
    from subscribers.selectors import shared_address_at

    if block is None or block.kind != BlockKind.SHARED:
        return None
    port = source_port(report)
    if port is None:
        port = port_of_one_holder(report, block, report.source_ip, report.occurred_at)
    if port is None:
        return None
    found = shared_address_at(block=block, ip=report.source_ip, port=port, at=report.occurred_at)
    if found.nat_block is not None:
        row = found.nat_block
        subject = f"{found.address} ports {row.port_start}-{row.port_end} (allocation {row.pk})"
        return f"natblock:{row.pk}", CaseKind.SESSION, subject
    if found.session is not None:
        subject = f"{found.address} port {port} ({found.ipv6_prefix}, session {found.session.pk})"
        return f"session:{found.session.pk}", CaseKind.SESSION, subject
    return None


def _open_case(key: str, kind: str, subject: str) -> tuple[Case, bool]:
    found = rawsql.instances(
        Case, "t.key = %s AND t.status = %s", [key, str(CaseStatus.OPEN)], tail="ORDER BY t.id LIMIT 1"
    )
    case = found[0] if found else None
    if case:
        return case, False
    try:
        with transaction.atomic():
            return Case.objects.create(key=key, kind=kind, subject=subject[:255]), True
    except IntegrityError:
        # Another report for the same resource created it a moment ago.
        return Case.objects.get(key=key, status=CaseStatus.OPEN), False


# Report categories in which nobody complains: the mail was wanted (an ARF "not-spam"
# report), a recipient asked to leave a list ("opt-out"), mail using a domain failed its
# authentication ("auth-failure", DMARC failure reports: at most a forged-sender signal).
# They join an open case about the same resource, as a signal, and never open one.
FEEDBACK_ONLY = {"not-spam", "opt-out", "auth-failure"}


def case_attach(*, report: Report) -> Case | None:
    key, kind, subject = case_key_for(report)
    if (report.category or "") in FEEDBACK_ONLY:
        if not Case.objects.filter(key=key, status=CaseStatus.OPEN).exists():
            return None  # nobody complained: no case to open
    case, created = _open_case(key, kind, subject)
    # A report grouped for the first time adds itself to the counts; one that already
    # had a case (processed again) has them recounted.
    first_time = rawsql.execute(
        f"UPDATE {Report._meta.db_table} SET case_id = %s WHERE id = %s AND case_id IS NULL",  # noqa: S608
        [case.pk, report.pk],
    )
    if not first_time:
        Report.objects.filter(pk=report.pk).update(case=case)
    report.case = case
    if first_time:
        _count_one_more(case_id=case.pk, report=report)
    else:
        case_refresh_counts(case_id=case.pk)
    if created:
        audit_record(
            action="case.opened", obj=case, case_id=case.pk, data={"key": key, "first_report": report.pk}
        )
    audit_record(action="report.grouped", obj=report, case_id=case.pk, data={"key": key})
    return case


def case_refresh_counts(*, case_id: int) -> None:
    """Recount from the reports, so concurrent intake cannot lose an increment.

    The row lock comes first, in its own statement: on PostgreSQL the recount
    statement then starts after any other writer to this case has committed,
    and its snapshot sees that writer's report.
    """
    list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))
    reports = Report.objects.filter(case=OuterRef("pk")).order_by().values("case")
    Case.objects.filter(pk=case_id).update(
        report_count=Coalesce(Subquery(reports.annotate(n=Count("pk")).values("n")), 0),
        reporter_count=Coalesce(
            Subquery(reports.annotate(n=Count("reporter_key", distinct=True)).values("n")), 0
        ),
        first_seen=Subquery(reports.annotate(t=Min(Coalesce("occurred_at", "received_at"))).values("t")),
        last_seen=Subquery(reports.annotate(t=Max(Coalesce("occurred_at", "received_at"))).values("t")),
        last_activity_at=timezone.now(),
    )
    case_mark_changed(case_ids=[case_id])


def _count_one_more(*, case_id: int, report: Report) -> None:
    """Add one newly grouped report to its case's counts without reading the others.

    A recount reads every report of the case, so each report of a spam run's case of
    tens of thousands cost more than the one before; this reads two index entries, in
    one hand-written statement (abusedesk.rawsql: through the ORM, compiling this
    update cost more than running it). `report` carries its stored facts. The same
    lock first, in its own statement, as case_refresh_counts: the statement after it
    sees every report another writer added to this case and committed.
    """
    if connection.features.has_select_for_update:
        rawsql.fetch(_LOCK_CASE, [case_id])
    at = connection.ops.adapt_datetimefield_value(report.occurred_at or report.received_at)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rawsql.fetch(_ONE_MORE, [case_id, report.reporter_key, report.pk, at, at, at, at, now, now, case_id])
    _announce([case_id])  # facts_changed_at is stamped above


_CASE, _REPORT = Case._meta.db_table, Report._meta.db_table
_LOCK_CASE = f"SELECT id FROM {_CASE} WHERE id = %s FOR UPDATE"  # noqa: S608 (table names from the models)
_ONE_MORE = (
    f"UPDATE {_CASE} SET report_count = report_count + 1, "  # noqa: S608 (table names from the models)
    f"reporter_count = reporter_count + CASE WHEN EXISTS (SELECT 1 FROM {_REPORT} r "
    "  WHERE r.case_id = %s AND r.reporter_key = %s AND r.id <> %s) THEN 0 ELSE 1 END, "
    "first_seen = CASE WHEN first_seen IS NULL OR first_seen > %s THEN %s ELSE first_seen END, "
    "last_seen = CASE WHEN last_seen IS NULL OR last_seen < %s THEN %s ELSE last_seen END, "
    "last_activity_at = %s, facts_changed_at = %s WHERE id = %s RETURNING id"
)


def case_mark_changed(*, case_ids: list[int]) -> None:
    """Note that what these cases' facts are built from has changed, and say so.

    Call inside the transaction that made the change: listeners act after it commits
    (the sanctions app re-evaluates the case), and `facts_changed_at` lets a sweep
    find any case whose follow-up was lost.
    """
    if not case_ids:
        return
    Case.objects.filter(pk__in=case_ids).update(facts_changed_at=timezone.now())
    _announce(case_ids)


def case_changes_announce(*, case_ids: list[int]) -> None:
    """Say that these cases changed, for a caller that stamped their `facts_changed_at`
    in its own update (case_mark_changed does both)."""
    _announce(case_ids)


def _announce(case_ids: list[int]) -> None:
    held = getattr(_held, "case_ids", None)
    if held is not None:
        held.update(case_ids)
        return
    case_changed.send(sender=Case, case_ids=list(case_ids))


_held = threading.local()


@contextmanager
def case_changes_held():
    """Announce the cases changed by one unit of work once, at its end, not once per step.

    A worker processes a report (grouping changes its case) and attributes it (the
    case's summary changes) in turn: listeners (the re-evaluation) then run once for
    the two. Every change still stamps `facts_changed_at` at once, in its own
    transaction, so a case whose announcement is lost (the process died in between)
    is found by the periodic sweep. Nested, the outermost announces."""
    if getattr(_held, "case_ids", None) is not None:
        yield
        return
    _held.case_ids = set()
    try:
        yield
    finally:
        case_ids, _held.case_ids = _held.case_ids, None
        if case_ids:
            case_changed.send(sender=Case, case_ids=sorted(case_ids))
