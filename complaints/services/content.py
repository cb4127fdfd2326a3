"""Access to complaint content (S1), always recorded with who, when and why."""

from __future__ import annotations

from abusedesk.audit import audit_record
from complaints.models import Report
from complaints.parsing import parse_report
from complaints.sanitize import safe_html


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
    if purged_at is not None:
        # POLICY.md retention: the bytes are gone; the digest says what they were.
        return {"id": report.pk, "sha256": report.raw_sha256, "purged_at": purged_at,
                "raw": "", "body_text": "", "body_html": ""}  # fmt: skip
    raw = bytes(raw)
    parsed = parse_report(raw, content_type=report.content_type or None)
    return {
        "id": report.pk,
        "sha256": report.raw_sha256,
        "purged_at": None,
        "raw": raw.decode("utf-8", errors="replace"),
        "body_text": parsed.body_text or "",
        # Cleaned the same way everywhere (nh3, complaints/sanitize.py): a client that
        # renders it must not run or fetch what the spammer put in.
        "body_html": safe_html(parsed.body_html or ""),
    }
