"""Acknowledgements to people who mailed us a complaint."""

from __future__ import annotations

import email
import email.policy
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from abusedesk.i18n import mail_language
from abusedesk.mail import failure_text, stable_message_id
from complaints.choices import Channel, ReportFormat
from complaints.models import Report
from complaints.parsing.notices import takes_no_replies

logger = logging.getLogger(__name__)

# Feedback loops and DMARC reporters are machines: answering them only adds noise.
MACHINE_FORMATS = {ReportFormat.ARF, ReportFormat.DMARC_FORENSIC, ReportFormat.XARF_MAIL, ReportFormat.JMRP}


def ack_wanted(report: Report) -> bool:
    if report.channel not in (Channel.MAILBOX, Channel.IMAP) or not report.reporter_key.startswith("email:"):
        return False
    if "@" not in report.reporter_key or report.format in MACHINE_FORMATS:
        return False
    # Nor any other program's mail (a bounce, a list's or a carrier's notice, a vacation
    # reply, a machine report: RFC 3834 section 2), nor an address that takes no replies.
    address = report.reporter_key.removeprefix("email:")
    if (report.facts or {}).get("message_kind") == "machine_report" or takes_no_replies(address):
        return False
    head = bytes(report.raw[:65536]).split(b"\n\n", 1)[0]
    try:
        auto = email.message_from_bytes(head, policy=email.policy.compat32).get("Auto-Submitted", "no")
    except Exception:
        auto = "no"
    return str(auto).strip().lower() == "no"


def ack_language(report: Report) -> str:
    return mail_language(report.reporter_key.removeprefix("email:"), report.subject)


def acknowledgement_enqueue(report: Report) -> None:
    """Owe the complainant an acknowledgement and queue it; the sweep sends it if the queue was down."""
    if ack_wanted(report):
        from complaints.tasks import send_acknowledgement

        Report.objects.filter(pk=report.pk, acknowledged_at__isnull=True).update(ack_pending=True)
        transaction.on_commit(lambda: send_acknowledgement.delay(report.pk), robust=True)


def acknowledgement_send(*, report_id: int) -> str:
    """Send once: claim the report with a conditional update, release it if sending fails.

    Returns "sent", "skipped" or "failed"; a failure stays on the report (ack_error)
    for the sweep to try again, never raised into the request that queued it.
    """
    claimed = Report.objects.filter(pk=report_id, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    report = Report.objects.defer("raw").get(pk=report_id)
    try:
        with translation.override(ack_language(report)):
            context = {"report": report, "reference": report.reference}
            # A mail header: plain text (the template does not HTML-escape), on one line.
            subject = " ".join(render_to_string("complaints/email/ack_subject.txt", context).split())
            body = render_to_string("complaints/email/ack_body.txt", context)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[report.reporter_key.removeprefix("email:")],
            headers={
                "Auto-Submitted": "auto-replied",
                "X-Abuse-Desk-Reference": report.reference,
                "Message-ID": stable_message_id("ack", report.pk),
            },
        )
        message.send()
    except Exception as exc:
        logger.warning("acknowledgement of report %s not sent: %s", report_id, exc, exc_info=True)
        Report.objects.filter(pk=report_id).update(
            acknowledged_at=None, ack_pending=True, ack_error=failure_text(exc)
        )
        return "failed"
    Report.objects.filter(pk=report_id).update(ack_pending=False, ack_error="")
    return "sent"
