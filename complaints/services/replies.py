"""Replies to the people who complained about a case, from templates, in their language.

Each complainant gets their own message (never a shared To/Cc: they must not see
each other), and nothing about our customer beyond what the template says.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError
from abusedesk.i18n import mail_language
from abusedesk.mail import mail_claim, mail_failed, mail_sent, stable_message_id
from complaints.models import Case, Reply
from complaints.services.triage import case_mark_acted_on

logger = logging.getLogger(__name__)
# The same reply (template and note) to a complainant who got it this soon is a double
# submission (a double click, Back + resubmit): nobody gets the same reply twice.
DUPLICATE_WINDOW = timedelta(minutes=10)

TEMPLATES = {
    "investigating": _("We are investigating"),
    "actioned": _("Action has been taken"),
    "not_ours": _("Not our network: forwarded"),
    "receiving_only": _("We only received it: filtering options"),
    # POLICY.md rule 13, C-16: our own customer complains about spam received.
    "filtering_offer": _("Our customer received it: opt-in filtering offered"),
    # Only for a case whose derived facts show a joe job (complaints.facts.derive).
    "joe_job": _("Forged sender: our customer did not send it"),
}


def case_reporters(case: Case) -> list[str]:
    keys = (
        case.reports.filter(reporter_key__startswith="email:")
        .values_list("reporter_key", flat=True)
        .distinct()
    )
    return sorted({k.removeprefix("email:") for k in keys if "@" in k})


def case_reply(*, case: Case, user, template: str, note: str = "") -> int:
    """Queue one reply per complainant of the case; returns how many."""
    if template not in TEMPLATES:
        raise ApplicationError(
            _("unknown reply template %(t)s") % {"t": repr(template)}, fields={"template": ["invalid"]}
        )
    if template == "joe_job":
        from complaints.facts.derive import case_derived_facts

        if not case_derived_facts(case, traffic=False)["joe_job"]["value"]:
            raise ApplicationError(
                _("The records do not show a joe job for this case: choose another reply."),
                fields={"template": ["invalid"]},
            )
    reporters = case_reporters(case)
    if not reporters:
        raise ApplicationError(_("this case has no complainant with an e-mail address"))
    from complaints.tasks import send_reply

    with transaction.atomic():
        # The case's row is the lock two submissions queue on: the second sees the first.
        list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
        reporters = _not_yet_replied(case=case, reporters=reporters, template=template, note=note)
        case_mark_acted_on([case.pk])
        replies = Reply.objects.bulk_create(
            Reply(
                case=case,
                to=address,
                template=template,
                note=note,
                language=mail_language(address),
                requested_by=user if getattr(user, "pk", None) else None,
            )
            for address in reporters
        )
        audit_record(
            actor=user,
            action="case.replied",
            obj=case,
            case_id=case.pk,
            reason=note,
            data={"template": template, "recipients": len(reporters), "replies": [r.pk for r in replies]},
        )
        for reply in replies:
            transaction.on_commit(lambda pk=reply.pk: send_reply.delay(pk), robust=True)
    return len(reporters)


def _not_yet_replied(*, case: Case, reporters: list[str], template: str, note: str) -> list[str]:
    """The complainants who did not get this very reply in the last minutes; refused when none."""
    replied = {
        address.lower()
        for address in Reply.objects.filter(
            case=case,
            template=template,
            note=note,
            requested_at__gte=timezone.now() - DUPLICATE_WINDOW,
        ).values_list("to", flat=True)
    }
    remaining = [address for address in reporters if address.lower() not in replied]
    if not remaining:
        raise ApplicationError(
            _(
                "The complainants already got this reply a few minutes ago: it is not sent twice. "
                "To say something else, change the template or the note."
            ),
            code="duplicate_reply",
        )
    return remaining


def reply_send(*, reply_id: int) -> str:
    """Send once: claim the reply with a conditional update, release it if sending fails.

    Returns "sent", "skipped" or "failed"; a failure stays on the reply (error,
    attempts), shown on the case page with a retry, never raised.
    """
    if not mail_claim(Reply, reply_id):
        return "skipped"
    reply = Reply.objects.select_related("case").get(pk=reply_id)
    try:
        with translation.override(reply.language):
            context = {"case": reply.case, "note": reply.note, "template": reply.template}
            subject = " ".join(render_to_string("complaints/email/reply_subject.txt", context).split())
            body = render_to_string("complaints/email/reply_body.txt", context)
        EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[reply.to],
            headers={"Auto-Submitted": "auto-replied", "Message-ID": stable_message_id("reply", reply.pk)},
        ).send()
    except Exception as exc:
        logger.warning("reply %s not sent: %s", reply_id, exc, exc_info=True)
        mail_failed(Reply, reply_id, exc)
        return "failed"
    mail_sent(Reply, reply_id)
    return "sent"


def reply_retry(*, reply: Reply, user) -> None:
    """Send a reply that failed again: the same row, never a second reply."""
    if reply.sent_at is not None:
        raise ApplicationError(_("This reply has been sent already."))
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk, sent_at__isnull=True).update(attempts=0)
        audit_record(
            actor=user,
            action="case.reply_retried",
            obj=reply,
            case_id=reply.case_id,
            data={"to": reply.to, "error": reply.error[:200]},
        )
        from complaints.tasks import send_reply

        transaction.on_commit(lambda: send_reply.delay(reply.pk), robust=True)
