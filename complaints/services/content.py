"""Access to complaint content (S1) and to traffic data (S2), always recorded with who,
when, what, which case and why (POLICY.md "Secrecy of communications")."""

from __future__ import annotations

from abusedesk.audit import audit_record
from complaints.models import Report
from complaints.parsing import parse_report
from complaints.sanitize import safe_html

# The facts that repeat what the message said (its subject, the links in it): content
# (S1), shown only through report_content. Every other fact is how it travelled.
CONTENT_FACTS = frozenset({"subject", "urls"})


def report_content(*, report: Report, user, purpose: str) -> dict:
    raw, purged_at = Report.objects.values_list("raw", "raw_purged_at").get(pk=report.pk)
    audit_record(
        actor=user,
        action="content.viewed",
        obj=report,
        case_id=report.case_id,
        reason=purpose,
        data={"sha256": report.raw_sha256, "purged": purged_at is not None},
    )
    # What the message said, not how it travelled: its subject and the links in it,
    # shown only here. Retention keeps them as facts taken from it (retention.py).
    said = {"subject": report.subject, "urls": [u.url for u in report.report_urls.all()]}
    if purged_at is not None:
        # POLICY.md retention: the bytes are gone; the digest says what they were.
        return {"id": report.pk, "sha256": report.raw_sha256, "purged_at": purged_at,
                **said, "raw": "", "body_text": "", "body_html": ""}  # fmt: skip
    raw = bytes(raw)
    parsed = parse_report(raw, content_type=report.content_type or None)
    return {
        "id": report.pk,
        "sha256": report.raw_sha256,
        "purged_at": None,
        **said,
        "raw": raw.decode("utf-8", errors="replace"),
        "body_text": parsed.body_text or "",
        # Cleaned the same way everywhere (nh3, complaints/sanitize.py): a client that
        # renders it must not run or fetch what the spammer put in.
        "body_html": safe_html(parsed.body_html or ""),
    }


TRAFFIC_VIEWED = "traffic.viewed"


def traffic_viewed(*, user, via: str, case=None, report=None) -> None:
    """Record that `user` was shown an attribution: which address at which instant was
    whose session, login or NAT mapping (traffic data, S2). The case is the purpose:
    S2 is only shown within a case (or one of its reports), so that is the reason
    recorded. One entry per page or API answer, kept out of the case's timeline."""
    if case is None and report is None:
        return
    accounts = (case.accounts if case is not None else (report.attribution or {}).get("accounts")) or []
    audit_record(
        actor=user,
        action=TRAFFIC_VIEWED,
        obj=case if case is not None else report,
        case_id=case.pk if case is not None else report.case_id,
        reason="attribution shown within the case",
        data={"via": via, "accounts": list(accounts)[:20]},
    )
