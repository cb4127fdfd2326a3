"""Notices to the customer and the hearing.

A notice is rendered and stored when the decision is taken (same transaction),
then sent by a task after commit; the stored body is what the customer got.
Its context is built here from an explicit list of facts: nothing from the
complaints' reporters or content (S1, S3) is ever put into it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from abusedesk.i18n import mail_language
from abusedesk.mail import mail_claim, mail_failed, mail_sent, stable_message_id
from complaints.models import Report

from ..choices import AnswerChannel, Level, NoticeKind, State
from ..labels import label
from ..models import HearingAnswer, Notice, Sanction

logger = logging.getLogger(__name__)
MAX_OBSERVATIONS = 20
ANSWERABLE_STATES = (State.CARRIED_OUT, State.NOTIFIED, State.HEARING, State.UPHELD, State.LIFTED)


def notice_language(subscriber) -> str:
    return mail_language(getattr(subscriber, "email", "") or "")


def observations(sanction: Sanction) -> list[dict]:
    """What was seen, as times and our own addresses: never who reported it."""
    reports = (
        Report.objects.filter(case_id=sanction.case_id)
        .exclude(occurred_at__isnull=True)
        .order_by("occurred_at")
        .only("occurred_at", "source_ip", "category")[:MAX_OBSERVATIONS]
    )
    # The category as a word in the notice's language ("spam" is a code, 「スパム」 is read).
    return [
        {
            "at": r.occurred_at,
            "ip": r.source_ip or "",
            "category": label(r.category, "category") if r.category else "",
        }
        for r in reports
    ]


def notice_context(sanction: Sanction, respond_by) -> dict:
    subscriber = sanction.account.subscriber if sanction.account_id else None
    return {
        "org_name": settings.ABUSEDESK_ORG_NAME,
        "reference": sanction.reference,
        "subscriber_name": subscriber.name if subscriber else "",
        "account_id": sanction.account.account_id if sanction.account_id else "",
        "content_ref": sanction.content_ref,
        "level": sanction.level,
        "target_kind": sanction.target_kind,
        "measure": Level(sanction.level).label,
        "target": sanction.get_target_kind_display(),
        "clauses": sanction.clauses,
        "period_days": sanction.period_days,
        "ends_at": sanction.ends_at,
        "carried_out_at": sanction.carried_out_at,
        "report_count": sanction.case.report_count,
        "observations": observations(sanction),
        "respond_by": respond_by,
        "reply_to": settings.DEFAULT_FROM_EMAIL,
    }


def notice_prepare(*, sanction: Sanction, kind: str, actor) -> Notice:
    subscriber = sanction.account.subscriber if sanction.account_id else None
    language = notice_language(subscriber)
    respond_by = None
    if kind in (NoticeKind.NOTICE, NoticeKind.HEARING):
        respond_by = timezone.now() + timedelta(days=settings.ABUSEDESK_HEARING_DAYS)
    with translation.override(language):
        context = notice_context(sanction, respond_by)
        subject = render_to_string(f"sanctions/email/{language}/{kind}_subject.txt", context).strip()
        body = render_to_string(f"sanctions/email/{language}/{kind}_body.txt", context)
    notice = Notice.objects.create(
        sanction=sanction,
        kind=kind,
        language=language,
        to=(subscriber.email if subscriber else "") or "",
        subject=subject[:255],
        body=body,
        created_by=actor,
        respond_by=respond_by,
    )
    audit_record(
        actor=actor,
        action=f"notice.{kind}.prepared",
        obj=notice,
        case_id=sanction.case_id,
        data={"to": notice.to, "language": language},
    )
    from ..tasks import send_notice

    transaction.on_commit(lambda: send_notice.delay(notice.pk), robust=True)
    return notice


NO_ADDRESS = gettext_noop("No e-mail address on file: send it by post.")
# What the desk itself stores as a notice's error, shown in the reader's language; a
# mail server's own answer is shown as it came.
STORED_ERRORS = {NO_ADDRESS: gettext_lazy(NO_ADDRESS)}


def notice_error(error: str) -> str:
    found = STORED_ERRORS.get(error or "")
    return str(found) if found is not None else (error or "")


def notice_send(*, notice_id: int) -> str:
    """Send once: claim with a conditional update, release the claim if sending fails.

    Returns "sent", "skipped" or "failed"; a failure stays on the notice (error,
    attempts) where the sanction page shows it with a retry, never raised.
    """
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None:
        return "skipped"
    if not notice.to:
        # Stored in English (a task has no reader): the pages show it translated.
        Notice.objects.filter(pk=notice_id).update(error=NO_ADDRESS)
        return "skipped"
    if not mail_claim(Notice, notice_id):
        return "skipped"
    try:
        EmailMessage(
            subject=notice.subject,
            body=notice.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notice.to],
            headers={
                "X-Abuse-Desk-Reference": notice.sanction.reference,
                "Auto-Submitted": "auto-generated",
                "Message-ID": stable_message_id("notice", notice_id),
            },
        ).send()
    except Exception as exc:
        logger.warning("notice %s not sent: %s", notice_id, exc, exc_info=True)
        mail_failed(Notice, notice_id, exc)
        return "failed"
    mail_sent(Notice, notice_id)
    return "sent"


def notice_retry(*, notice: Notice, actor) -> None:
    """Send a notice that failed again: the same stored text, the same row."""
    if not actor.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may send notices."))
    if notice.sent_at is not None:
        raise Conflict(_("This notice has been sent already."), code="already_sent")
    if not notice.to:
        raise ApplicationError(_("No e-mail address on file: send it by post."))
    with transaction.atomic():
        Notice.objects.filter(pk=notice.pk, sent_at__isnull=True).update(attempts=0)
        audit_record(
            actor=actor,
            action="notice.retried",
            obj=notice,
            case_id=notice.sanction.case_id,
            data={"error": notice.error[:200]},
        )
        from ..tasks import send_notice

        transaction.on_commit(lambda: send_notice.delay(notice.pk), robust=True)


ANSWER_CLOCK_SKEW = timedelta(minutes=5)


def hearing_answer_record(*, sanction_id: int, text: str, received_at, channel: str, actor) -> HearingAnswer:
    """Record what the customer answered, as received."""
    if not actor.has_perm("abusedesk.work_desk"):
        raise PermissionDenied(_("Only desk staff may record answers."))
    if not (text or "").strip():
        raise ApplicationError(
            _("Write down the customer's answer."), fields={"text": [_("This field is required.")]}
        )
    if channel and channel not in AnswerChannel.values:
        raise ApplicationError(
            _("Say how the answer reached us: %(known)s.") % {"known": ", ".join(AnswerChannel.values)},
            fields={"channel": [_("Select a valid choice.")]},
        )
    if received_at is not None and received_at > timezone.now() + ANSWER_CLOCK_SKEW:
        at = timezone.localtime(received_at).strftime("%Y-%m-%d %H:%M %Z")
        message = _("The answer cannot have reached us in the future (%(at)s): check the date and the time.")
        message = message % {"at": at}
        raise ApplicationError(message, fields={"received_at": [message]})
    with transaction.atomic():
        sanction = Sanction.objects.filter(pk=sanction_id).first()
        if sanction is None:
            raise NotFound(f"no sanction {sanction_id}")
        if sanction.state not in ANSWERABLE_STATES:
            raise Conflict(_("The customer has not been told of this measure yet."), code="not_notified")
        answer = HearingAnswer.objects.create(
            sanction=sanction,
            text=text.strip(),
            received_at=received_at or timezone.now(),
            channel=channel or "",
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="sanction.hearing_answer",
            obj=answer,
            case_id=sanction.case_id,
            data={"sanction": sanction.pk, "channel": answer.channel, "received_at": answer.received_at},
        )
    return answer
