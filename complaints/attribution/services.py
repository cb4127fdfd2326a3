"""Store attributions and roll them up per case."""

from __future__ import annotations

import hashlib
import time
from collections import Counter

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from abusedesk import rawsql
from abusedesk.audit import audit_record
from abusedesk.choices import SendingMethod
from complaints.models import Case, NetworkContact, Report
from complaints.services.cases import case_changes_announce

from .engine import attribute

_recent_version: tuple[float, str] = (0.0, "")


def inventory_version(*, max_age: float = 0.0) -> str:
    """Changes whenever the inventory or the logs an attribution reads change.

    Cheap (index maxima): new sessions and log lines raise the maximum id,
    edited subscribers, accounts and blocks raise the maximum updated_at.
    New evidence is not part of it: the evidence task re-attributes its own report.

    `max_age` > 0 accepts this process's version read at most that many seconds ago
    (seven statements less per report on the intake workers' hot path). An older
    version is always safe: an attribution stamped with a version from before a
    change it may or may not have read is merely re-attributed by the sweep, never
    left stale.
    """
    global _recent_version
    read_at, version = _recent_version
    if max_age > 0 and version and time.monotonic() - read_at <= max_age:
        return version
    read_at = time.monotonic()  # before the reads: the version is never newer than its stamp
    version = _inventory_version()
    _recent_version = (read_at, version)
    return version


def _inventory_version() -> str:
    from subscribers.models import Account, AddressBlock, MailLogEntry, NatPortBlock, Session, Subscriber

    parts = [
        Session.objects.aggregate(m=Max("id"))["m"],
        MailLogEntry.objects.aggregate(m=Max("id"))["m"],
        NatPortBlock.objects.aggregate(m=Max("id"))["m"],
        AddressBlock.objects.aggregate(m=Max("updated_at"))["m"],
        Account.objects.aggregate(m=Max("updated_at"))["m"],
        Subscriber.objects.aggregate(m=Max("updated_at"))["m"],
        NetworkContact.objects.aggregate(m=Max("id"))["m"],
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def report_attribute(*, report_id: int, version_max_age: float = 0.0, hops: list | None = None) -> dict:
    """Compute and store one report's attribution, then refresh its case. Idempotent.
    `version_max_age`: see inventory_version; `hops`: the report's stored hops, when the
    caller has just written them (else they are read)."""
    report = rawsql.instance(Report, "t.id = %s", [report_id], omit=("raw",))
    version = inventory_version(max_age=version_max_age)
    result = attribute(report, hops=hops).to_dict()
    previous = report.attribution
    with transaction.atomic():
        report.attribution, report.attributed_at, report.attribution_inputs = result, timezone.now(), version
        rawsql.update(report, ("attribution", "attributed_at", "attribution_inputs"))
        if previous == result:
            return result
        audit_record(
            action="report.attributed",
            obj=report,
            case_id=report.case_id,
            data={
                "roles": result["roles"],
                "method": result["sending_method"],
                "accounts": result["accounts"],
                "records": result["records"],
            },
        )
        if report.case_id:
            # A first attribution folds into the case summary in O(1), so a run
            # reported 5,000 times stays linear; a changed one needs a recount.
            case_rollup(case_id=report.case_id, adding=result if previous is None else None)
    return result


SUMMARY_LIMIT = 30  # distinct compromise and signal entries kept on a case


def _empty_summary() -> dict:
    return {
        "roles": [],
        "sending_method": None,
        "methods": {},
        "accounts": [],
        "account_kinds": [],
        "subscribers": [],
        "sub_allocation": None,
        "abuse_contact": None,
        "probable_victim": False,
        "origin_bases": {},
        "message_kinds": {},
        "compromise": [],
        "signals": [],
        "reports_attributed": 0,
        "step_codes": [],
        "steps": [],
    }


def _fold(summary: dict, a: dict) -> dict:
    """Add one report's attribution to a case summary (unions; methods counted)."""
    for key in ("roles", "accounts", "account_kinds", "subscribers"):
        summary.setdefault(key, [])
        summary[key] += [x for x in a.get(key) or [] if x not in summary[key]]
    for key in ("compromise", "signals"):
        summary.setdefault(key, [])
        for entry in a.get(key) or []:
            if entry not in summary[key] and len(summary[key]) < SUMMARY_LIMIT:
                summary[key].append(entry)
    _count(
        summary, "origin_bases", ((a.get("origin") or {}).get("basis") or "none") if a.get("origin") else None
    )
    _count(summary, "message_kinds", a.get("message_kind"))
    _count(summary, "methods", a.get("sending_method"))
    summary["sending_method"] = case_method(summary["methods"], summary["compromise"])
    summary["sub_allocation"] = summary["sub_allocation"] or a.get("sub_allocation")
    summary["abuse_contact"] = summary["abuse_contact"] or a.get("abuse_contact")
    summary["probable_victim"] = summary["probable_victim"] or bool(a.get("probable_victim"))
    summary["reports_attributed"] += 1
    # Every step code seen on the case, so readers need not open each report's JSON.
    codes = set(summary.get("step_codes") or []) | {step.get("code") for step in a.get("steps", [])}
    summary["step_codes"] = sorted(c for c in codes if c)
    # The reasoning shown on the case is the latest report's, step by step.
    summary["steps"] = a.get("steps", [])
    # A case with a real role is not also "unknown" or "not ours" because of one thin report.
    for weak in ("unknown", "not_ours"):
        if len(summary["roles"]) > 1 and weak in summary["roles"]:
            summary["roles"].remove(weak)
    return summary


def _count(summary: dict, key: str, value: str | None) -> None:
    if value:
        counts = Counter(summary.get(key) or {})
        counts[value] += 1
        summary[key] = dict(counts)


def case_method(methods: dict, compromise: list[dict]) -> str | None:
    """The method most reports agree on, except that the fallback yields to evidence.

    `self_operated_server` is what a report shows when nothing shows another way;
    evidence that the origin machine was compromised (on any report of the case,
    which is one machine: one session, one line) outranks it.
    """
    if not methods:
        return None
    method = Counter(methods).most_common(1)[0][0]
    machine = [c for c in compromise if c.get("key") != "stolen_credentials"]
    if method == SendingMethod.SELF_OPERATED_SERVER and machine and methods.get(SendingMethod.HIJACKED_HOST):
        return SendingMethod.HIJACKED_HOST
    return method


def case_rollup(*, case_id: int, adding: dict | None = None) -> None:
    """The case's roles, method and accounts from its reports' attributions.

    Roles and accounts are unions; the method is the one most reports agree on,
    with the count per method kept so a person can see when reports disagree.
    With `adding`, fold that one attribution into the stored summary; without,
    recount from every report.
    """
    case = rawsql.instance(Case, "t.id = %s", [case_id], for_update=True)
    # A summary from before a key was added is recounted once rather than folded into.
    if adding is not None and case.attribution and "step_codes" in case.attribution:
        summary = _fold(dict(case.attribution), adding)
    else:
        summary = _empty_summary()
        reports = Report.objects.filter(case_id=case_id).order_by("received_at", "id")
        for a in reports.values_list("attribution", flat=True).iterator():
            if a:
                _fold(summary, a)
    changed = {
        "roles": summary["roles"],
        "sending_method": summary["sending_method"] or "",
        "accounts": summary["accounts"],
        "account_kinds": summary["account_kinds"],
        "attribution": summary,
        "roles_text": _as_text(summary["roles"]),
        "account_kinds_text": _as_text(summary["account_kinds"]),
        "accounts_text": _as_text(summary["accounts"])[:500],
        "facts_changed_at": timezone.now(),  # what case_mark_changed stamps, in the same statement
    }
    for name, value in changed.items():
        setattr(case, name, value)
    rawsql.update(case, tuple(changed))
    case_changes_announce(case_ids=[case.pk])


def _as_text(values: list[str]) -> str:
    return "," + ",".join(values) + "," if values else ""


def reattribute_changed(*, limit: int = 500) -> int:
    """Re-attribute reports of open cases computed on an older inventory or log."""
    from complaints.choices import CaseStatus

    version = inventory_version()
    ids = list(
        Report.objects.filter(case__status=CaseStatus.OPEN, attributed_at__isnull=False)
        .exclude(attribution_inputs=version)
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        report_attribute(report_id=pk)
    return len(ids)
