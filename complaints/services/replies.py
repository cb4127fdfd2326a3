"""Replies to the people who complained about a case, from templates, in their language.

Each complainant gets their own message (never a shared To/Cc: they must not see
each other), and nothing about our customer beyond what the template says.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError
from abusedesk.i18n import mail_language
from complaints.models import Case
from complaints.services.triage import case_mark_acted_on

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
    with transaction.atomic():
        case_mark_acted_on([case.pk])
        audit_record(
            actor=user,
            action="case.replied",
            obj=case,
            case_id=case.pk,
            reason=note,
            data={"template": template, "recipients": len(reporters)},
        )
        from complaints.tasks import send_reply

        for address in reporters:
            transaction.on_commit(lambda a=address: send_reply.delay(case.pk, a, template, note))
    return len(reporters)


def reply_send(*, case_id: int, address: str, template: str, note: str = "") -> None:
    case = Case.objects.get(pk=case_id)
    language = mail_language(address)
    with translation.override(language):
        context = {"case": case, "note": note, "template": template}
        subject = render_to_string("complaints/email/reply_subject.txt", context).strip()
        body = render_to_string("complaints/email/reply_body.txt", context)
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Auto-Submitted": "auto-replied"},
    ).send()
