"""Store attributions and roll them up per case."""

from __future__ import annotations

import hashlib
from collections import Counter

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from abusedesk.audit import audit_record
from complaints.models import Case, NetworkContact, Report

from .engine import attribute


def inventory_version() -> str:
    """Changes whenever the inventory or the logs an attribution reads change.

    Cheap (index maxima): new sessions and log lines raise the maximum id,
    edited subscribers, accounts and blocks raise the maximum updated_at.
    New evidence is not part of it: the evidence task re-attributes its own report.
    """
    from subscribers.models import Account, AddressBlock, MailLogEntry, Session, Subscriber

    parts = [
        Session.objects.aggregate(m=Max("id"))["m"],
        MailLogEntry.objects.aggregate(m=Max("id"))["m"],
        AddressBlock.objects.aggregate(m=Max("updated_at"))["m"],
        Account.objects.aggregate(m=Max("updated_at"))["m"],
        Subscriber.objects.aggregate(m=Max("updated_at"))["m"],
        NetworkContact.objects.aggregate(m=Max("id"))["m"],
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def report_attribute(*, report_id: int) -> dict:
    """Compute and store one report's attribution, then refresh its case. Idempotent."""
    report = Report.objects.defer("raw").get(pk=report_id)
    version = inventory_version()
    result = attribute(report).to_dict()
    with transaction.atomic():
        changed = report.attribution != result
        Report.objects.filter(pk=report.pk).update(
            attribution=result, attributed_at=timezone.now(), attribution_inputs=version
        )
        if changed:
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
            case_rollup(case_id=report.case_id)
    return result


def case_rollup(*, case_id: int) -> None:
    """The case's roles, method and accounts from its reports' attributions.

    Roles and accounts are unions; the method is the one most reports agree on,
    with its count kept so a person can see when reports disagree.
    """
    case = Case.objects.select_for_update().get(pk=case_id)
    attributions = [
        a for a in Report.objects.filter(case_id=case_id).values_list("attribution", flat=True) if a
    ]
    roles, accounts, kinds, methods = [], [], [], Counter()
    for a in attributions:
        roles += [r for r in a.get("roles", []) if r not in roles]
        accounts += [x for x in a.get("accounts", []) if x not in accounts]
        kinds += [k for k in a.get("account_kinds", []) if k not in kinds]
        if a.get("sending_method"):
            methods[a["sending_method"]] += 1
    if len(roles) > 1 and "unknown" in roles:
        roles.remove("unknown")
    if len(roles) > 1 and "not_ours" in roles:
        roles.remove("not_ours")
    sub = next((a["sub_allocation"] for a in attributions if a.get("sub_allocation")), None)
    contact = next((a["abuse_contact"] for a in attributions if a.get("abuse_contact")), None)
    summary = {
        "roles": roles,
        "sending_method": methods.most_common(1)[0][0] if methods else None,
        "methods": dict(methods),
        "accounts": accounts,
        "account_kinds": kinds,
        "sub_allocation": sub,
        "abuse_contact": contact,
        "probable_victim": any(a.get("probable_victim") for a in attributions),
        "reports_attributed": len(attributions),
    }
    Case.objects.filter(pk=case.pk).update(
        roles=roles,
        sending_method=summary["sending_method"] or "",
        accounts=accounts,
        account_kinds=kinds,
        attribution=summary,
    )


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
