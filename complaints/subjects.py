"""A case's subject, and a report's reason for manual triage, in the reader's language.

Both are stored as English text written by the desk itself (`Case.subject` by
`complaints.services.cases` and `prevention.services.volume`, `Report.status_reason` by
the intake): the stored text stays as it is (search, forwarding, the audit trail), and a
page shows it through these functions. Anything else (a host name, an address, a
parser's message, a reason a person typed) is shown as stored.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from complaints.parsing.acns import TRIAGE as COPYRIGHT_TRIAGE

# The shapes `complaints.services.cases.case_key_for` and the telemetry detector write.
_SUBJECTS = [
    (re.compile(r"login (?P<name>\S+) \(own telemetry\)"), _("login %(name)s (our own telemetry)")),
    (re.compile(r"login (?P<login>\S+)"), _("login %(login)s")),
    (re.compile(r"(?P<ip>\S+) \(session (?P<session>\d+)\)"), _("%(ip)s (session %(session)s)")),
    (
        re.compile(r"(?P<ip>\S+) ports (?P<start>\d+)-(?P<end>\d+) \(allocation (?P<allocation>\d+)\)"),
        _("%(ip)s ports %(start)s-%(end)s (port block %(allocation)s)"),
    ),
    (
        re.compile(r"(?P<ip>\S+) port (?P<port>\d+) \((?P<prefix>[^,\s]+), session (?P<session>\d+)\)"),
        _("%(ip)s port %(port)s (%(prefix)s, session %(session)s)"),
    ),
    (re.compile(r"report (?P<number>\d+)"), _("report %(number)s")),
]

# The reasons the intake itself writes (complaints.services.intake, complaints.parsing).
_REASONS = {
    "no source address, login or advertised host found": _(
        "No source address, login or advertised host found."
    ),
    "empty report": _("Empty report."),
    "not an e-mail message: no message headers found": _("Not an e-mail message: no message headers found."),
    "MIME structure nested too deeply; needs manual triage": _(
        "The MIME structure is nested too deeply; needs manual triage."
    ),
    "a delivery status notification (a bounce), not an abuse report: nothing is attributed": _(
        "A delivery status notification (a bounce), not an abuse report: nothing is attributed."
    ),
    "a DMARC aggregate report (a domain's mail statistics), not an abuse report: nothing is attributed": _(
        "A DMARC aggregate report (a domain's mail statistics), not an abuse report: nothing is attributed."
    ),
    COPYRIGHT_TRIAGE: _("A copyright infringement notice, not spam: the spam criteria do not apply."),
}


def case_subject(subject: str) -> str:
    """`Case.subject` as a person reads it in the active language."""
    text = subject or ""
    for pattern, template in _SUBJECTS:
        match = pattern.fullmatch(text)
        if match:
            return str(template) % match.groupdict()
    return text


def status_reason(reason: str) -> str:
    """`Report.status_reason` in the active language when the desk wrote it."""
    text = reason or ""
    found = _REASONS.get(text.strip())
    return str(found) if found is not None else text
