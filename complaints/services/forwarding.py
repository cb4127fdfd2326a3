"""Forward a case to the network responsible for it, with the complainant redacted.

ARF (RFC 5965) or XARF v4 JSON. The message is built and recorded in the
request; it is sent by a task after commit, so a slow mail server never holds a
transaction open and a retry never sends twice (Forward.claimed_at is the claim).
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import json
import logging
import re
import uuid
from datetime import timedelta
from email import encoders
from email.header import Header
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import audit_record
from abusedesk.errors import ApplicationError
from abusedesk.mail import PreparedMail, mail_claim, mail_failed, mail_sent
from complaints.models import Case, Forward, Report
from complaints.parsing import mime, parse_report
from complaints.parsing.common import field_key, parse_fields, values, wrapper_parts
from complaints.parsing.hosts import is_under
from complaints.selectors import newest_first
from complaints.services.triage import case_mark_acted_on

logger = logging.getLogger(__name__)
REDACTED = "redacted@redacted.invalid"
RECIPIENT_HEADERS = (
    "To",
    "Cc",
    "Bcc",
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "X-Rcpt-To",
    "X-Forwarded-To",
    "X-HmXmrOriginalRecipient",
)
FOR_CLAUSE = re.compile(r"\bfor\s+<?[^\s;>]+@[^\s;>]+>?", re.IGNORECASE)
FORWARDABLE_ROLES = {"not_ours", "upstream"}
# Roles in which the spam came through something of ours: such a case is worked here,
# not forwarded (unless the address is sub-allocated to a holder who runs it).
OUR_ROLES = {"sending", "relay", "hosting"}
# Spam our own customers received (rule 13): forwarded to the origin's network only
# with the complainant's consent, recorded with the forward.
CONSENT_ROLES = {"receiving"}
# A second forward of the same report to the same address in the same format this soon
# is a double submission (a double click, Back + resubmit), not a new forward: refused.
# A forward that failed is sent again with its retry, never as a second forward.
DUPLICATE_WINDOW = timedelta(minutes=10)


def case_is_ours(case: Case) -> bool:
    """True when the spam came through something of ours (we act, and forward only where
    another network can act too: see case_forwardable)."""
    roles = set(case.roles or [])
    if (case.attribution or {}).get("sub_allocation") or roles & FORWARDABLE_ROLES:
        return False
    return bool(roles & OUR_ROLES)


def _relaying_reports(case: Case):
    """The case's reports whose attribution found another provider's server relaying our
    customer's mail (it logged them in: POLICY rule 9, the relaying network)."""
    return case.reports.filter(attribution__relaying_network__host__isnull=False)


def case_forwardable(case: Case) -> bool:
    """May the case be forwarded to another network? A case not of ours, always (with the
    consent rule 13 asks for). A case of ours only where another network can act on it
    too: the criteria recommend a forward (rule 4 and 9: to the relaying network; rule 8:
    to the connecting one), or the attribution found another provider's server that
    relayed the spam. Otherwise the reported message names our own customer's traffic
    and is worked here, not sent outside."""
    if not case_is_ours(case):
        return True
    if (case.recommendation or {}).get("forward_to"):
        return True
    return _relaying_reports(case).exists()


def forward_contact(case: Case) -> str | None:
    summary = case.attribution or {}
    if summary.get("sub_allocation"):
        return summary["sub_allocation"].get("abuse_contact") or None
    if set(case.roles or []) & (FORWARDABLE_ROLES | CONSENT_ROLES) and summary.get("abuse_contact"):
        return summary["abuse_contact"].get("email")
    if case_is_ours(case):
        # The relaying provider's contact, as the report that found it names it (a case
        # of ours holds no other network's contact to send our customer's traffic to).
        rows = newest_first(_relaying_reports(case)).values_list("attribution", flat=True)
        for attribution in rows[:20]:
            email = ((attribution or {}).get("abuse_contact") or {}).get("email")
            if email:
                return email
    return None


def subscriber_addresses(case: Case) -> set[str]:
    """Addresses that name our customer (S4): the e-mail of each subscriber the case names
    and the address-shaped identifiers of their accounts. A forward of a case of ours
    carries the spam, never who our customer is."""
    from subscribers.models import Account

    found: set[str] = set()
    accounts = Account.objects.filter(account_id__in=case.accounts or []).select_related("subscriber")
    for account in accounts:
        owner = account.subscriber
        for value in (account.identifier, getattr(owner, "email", "")):
            if value and "@" in value and len(value) < 320:
                found.add(value.strip().lower())
    return found


def forward_needs_consent(case: Case) -> bool:
    """A case about spam our customers received (rule 13), or filed from one of our own
    domains (our customer, or our help desk passing on a customer's mail, whatever the
    copy's chain let the attribution see): the mail is the customer's communication."""
    roles = set(case.roles or [])
    sub_allocated = (case.attribution or {}).get("sub_allocation")
    if roles & CONSENT_ROLES and not roles & FORWARDABLE_ROLES and not sub_allocated:
        return True
    # Who complained: the intake's key for mail (email:<address>), and the complainant
    # the parser read (a mail the help desk pasted into the form, or staff filed by the
    # API, is keyed by the staff member, but its From is still the customer).
    own = tuple(settings.ABUSEDESK_OWN_DOMAINS)
    rows = case.reports.filter(Q(reporter_key__startswith="email:") | ~Q(reporter=""))
    senders = set()
    for key, reporter in rows.values_list("reporter_key", "reporter").order_by().distinct():
        if key.startswith("email:"):
            senders.add(key)
        if reporter:
            senders.add(reporter)
    # Each domain judged once: a big case has thousands of complainants and few domains.
    domains = {s.rpartition("@")[2].lower() for s in senders if "@" in s}
    return any(is_under(domain, own) for domain in domains)


# Headers the complainant's side adds when it redirects ("bounces") a spam to us: the
# spam then arrives as the complaint itself, and these name the person.
COMPLAINANT_HEADERS = (
    "Resent-From",
    "Resent-Sender",
    "Resent-To",
    "Resent-Cc",
    "Resent-Bcc",
    "Resent-Date",
    "Resent-Message-ID",
    "Resent-Reply-To",
    "Return-Path",
    "X-Forwarded-For",
    "X-Forwarded-To",
    "X-Forwarded-Message-Id",
    "X-Resent-From",
    "X-Original-Sender",
)
# An address as personalised spam writes it: plain, URL-encoded (once or twice), or as
# an HTML character reference; any letter case.
_AT = r"(?:@|%40|%2540|&#0*64;|&#x0*40;)"


def complainant_addresses(report: Report, complaint: Message, spam: Message, itself: bool) -> set[str]:
    """Every address that names the complainant: who complained and who received the spam.

    `itself`: the complaint is the spam (redirected, or pasted into the complainant's own
    mail) rather than a mail that carries it. A redirect names the person in Resent-*
    (its From is the spammer's); otherwise the complaint's From is the person.
    """
    found: list[str] = []
    resent = [a for h in ("Resent-From", "Resent-Sender") for a in mime.addresses(mime.header(complaint, h))]
    if itself and resent:
        found += resent
        found += mime.addresses(mime.header(complaint, "Return-Path"))
        found += mime.addresses(mime.header(complaint, "X-Forwarded-For"))
    else:
        for name in ("From", "Sender", "Reply-To"):
            found += mime.addresses(mime.header(complaint, name))
    spam_from = {a.lower() for a in mime.addresses(mime.header(spam, "From"))}
    for value in (report.reporter, report.reporter_key.removeprefix("email:")):
        if value and "@" in value and (not resent or value.lower() not in spam_from):
            found.append(value)
    for name in RECIPIENT_HEADERS:
        for value in mime.headers(spam, name):
            found += mime.addresses(value)
    for value in mime.headers(spam, "Received"):
        found += [m.group(1) for m in _FOR_ADDRESS.finditer(value)]
    found += stated_recipients(report, None if itself else complaint)
    return {a.strip().lower() for a in found if "@" in a and len(a) < 320}


# What the parser stored of the recipient the report names (ARF Original-Rcpt-To, XARF
# SmtpRcptToAddress, the copy's Delivered-To/X-Original-To/Envelope-To; its To/Cc).
RECIPIENT_FACTS = ("rcpt_to", "header_to")
# Fields of a machine report (ARF's feedback part, an X-ARF part, XARF JSON) that name
# the person who received the spam.
RECIPIENT_FIELDS = frozenset(
    field_key(name)
    for name in (
        "Original-Rcpt-To",
        "Original-Recipient",
        "Final-Recipient",
        "Removal-Recipient",
        "Rcpt-To",
        "Smtp-Rcpt-To",
        "SmtpRcptToAddress",
        "Smtp-Rcpt-To-Address",
        "Recipient",
        "Recipients",
        "Destination-Address",
    )
)


def _json_recipients(node, depth: int = 0) -> list[str]:
    found: list[str] = []
    if depth > 8:
        return found
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        named = isinstance(key, str) and field_key(key) in RECIPIENT_FIELDS
        if isinstance(value, (dict, list)):
            found += _json_recipients(value, depth + 1)
        elif named and isinstance(value, str):
            found += mime.addresses(value)
        if named and isinstance(value, list):
            found += [a for v in value if isinstance(v, str) for a in mime.addresses(v)]
    return found


def stated_recipients(report: Report, complaint: Message | None) -> list[str]:
    """The recipient the report itself names: the stored facts, and the recipient fields
    of the complaint's own machine-readable parts (never the reported copy: its headers
    are read apart). `complaint` is None when the complaint is the spam itself."""
    found: list[str] = []
    facts = report.facts or {}
    for key in RECIPIENT_FACTS:
        value = facts.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found += mime.addresses(item)
    if complaint is None:
        return found
    for part in wrapper_parts(complaint):
        ctype = mime.content_type(part)
        if not ctype.startswith(("text/", "application/", "message/feedback")):
            continue
        text = mime.part_text(part)[:200_000]
        if text.lstrip().startswith("{"):
            try:
                found += _json_recipients(json.loads(text))
            except ValueError:
                pass
            continue
        fields = parse_fields(text)
        for name in RECIPIENT_FIELDS:
            for value in values(fields, name):
                found += mime.addresses(value)
    return found


_FOR_ADDRESS = re.compile(r"\bfor\s+<?([^\s;<>]+@[^\s;<>]+?)>?(?=[\s;]|$)", re.IGNORECASE)


def address_pattern(addresses: set[str]) -> re.Pattern[str] | None:
    alternatives = []
    for address in sorted(addresses, key=len, reverse=True):
        local, _, domain = address.rpartition("@")
        if local and domain:
            alternatives.append(re.escape(local) + _AT + re.escape(domain))
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def _replacement(match: re.Match) -> str:
    text = match.group(0)
    if "%2540" in text.lower():
        return REDACTED.replace("@", "%2540")
    if "%40" in text:
        return REDACTED.replace("@", "%40")
    return REDACTED


def redact_text(text: str, pattern: re.Pattern[str] | None) -> str:
    return pattern.sub(_replacement, text) if pattern and text else text


def _origin_received_index(received: list[str], parsed) -> int | None:
    """Index (top first) of the Received header of the spam's origin hop, if known."""
    origin = next((h for h in parsed.hops if h.is_origin and h.raw), None)
    if origin is None:
        return None
    wanted = " ".join(origin.raw.split())
    for i, value in enumerate(received):
        if " ".join(mime.decode_words(value).split()) == wanted or " ".join(value.split()) == wanted:
            return i
    return None


def _set_header(msg: Message, name: str, value: str) -> None:
    del msg[name]
    msg[name] = value if value.isascii() else Header(value, "utf-8").encode()


def _redact_part_headers(part: Message, pattern: re.Pattern[str] | None) -> None:
    if pattern is None:
        return
    for name, value in list(part.items()):
        if name.lower() == "received":
            continue  # handled apart, to keep their order
        text = mime.decode_words(str(value))
        if pattern.search(text) or pattern.search(str(value)):
            _set_header(part, name, redact_text(text, pattern))


def _redact_part_body(part: Message, pattern: re.Pattern[str] | None) -> None:
    if pattern is None or part.is_multipart() or part.get_content_maintype() != "text":
        return
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return
    text = mime.decode_bytes(data, part.get_content_charset())
    redacted = redact_text(text, pattern)
    if redacted == text:
        return
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    del part["Content-Transfer-Encoding"]
    part.set_payload(redacted.encode("utf-8"))
    part.set_param("charset", "utf-8")
    if encoding == "quoted-printable":
        encoders.encode_quopri(part)
    else:
        encoders.encode_base64(part)


def redacted_message(report: Report, withheld: set[str] | frozenset[str] = frozenset()) -> bytes:
    """The reported spam without anything naming the person who received or reported it.

    The same bytes go into every forward format (ARF's message/rfc822 part, XARF's
    evidence): recipient headers and Received "for" clauses replaced; when the complaint
    is itself the spam, the headers the complainant's side added (Resent-*, Return-Path,
    X-Forwarded-*, the Received lines above the spam's origin) dropped and a From naming
    the complainant redacted; the complainant's and recipient's addresses in every other
    header, the subject and every text part (links included, URL-encoded or not, any
    case) replaced with a placeholder, and so are the addresses in `withheld` (our own
    customer's, subscriber_addresses).
    """
    raw = bytes(report.raw)
    parsed = parse_report(raw, content_type=report.content_type or None)
    itself = parsed.reported_message_raw is None
    spam = parsed.reported_message_raw or raw
    complaint = mime.parse_message(mime.normalise_bytes(raw)) if not itself else None
    msg = email.message_from_bytes(mime.normalise_bytes(spam), policy=email.policy.compat32)
    pattern = address_pattern(complainant_addresses(report, complaint or msg, msg, itself) | set(withheld))
    received = [str(v) for v in (msg.get_all("Received") or [])]
    if itself:
        for name in COMPLAINANT_HEADERS:
            del msg[name]
        origin = _origin_received_index(received, parsed)
        if origin:
            received = received[origin:]  # hops after the origin: the complainant's own path
    for name in RECIPIENT_HEADERS:
        if name in msg:
            del msg[name]
            msg[name] = REDACTED
    del msg["Received"]
    for value in received:
        msg["Received"] = redact_text(FOR_CLAUSE.sub(f"for <{REDACTED}>", value), pattern)
    for part in mime.walk(msg, limit=mime.MAX_PARTS):
        _redact_part_headers(part, pattern)
        _redact_part_body(part, pattern)
    # Received headers were appended after the others; put them back on top.
    body = msg.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))
    head, _, rest = body.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    received_lines, others, current = [], [], None
    for line in lines:
        if line[:1] in (b" ", b"\t") and current is not None:
            current.append(line)
            continue
        current = received_lines if line.lower().startswith(b"received:") else others
        current.append(line)
    out = b"\r\n".join(received_lines + others) + b"\r\n\r\n" + rest
    if pattern is not None:  # whatever is left in 8-bit or unlabelled parts
        out = redact_text(out.decode("latin-1"), pattern).encode("latin-1")
    return out


def _arf(report: Report, case: Case, spam: bytes) -> EmailMessage:
    source = report.source_ip or "an address in your network"
    when = report.occurred_at.isoformat() if report.occurred_at else "an unknown time"
    msg = EmailMessage()
    msg.set_content(
        f"This is an abuse report for a message received from {source} at {when}.\n"
        f"{case.reporter_count} complainant(s) reported this source to us. Their identity is withheld.\n"
    )
    msg.make_mixed()
    msg.replace_header("Content-Type", "multipart/report; report-type=feedback-report")
    feedback = EmailMessage()
    fields = ["Feedback-Type: abuse", "User-Agent: AbuseDesk/1.0", "Version: 1"]
    if report.source_ip:
        fields.append(f"Source-IP: {report.source_ip}")
    if report.occurred_at:
        fields.append(f"Arrival-Date: {format_datetime(report.occurred_at)}")
    for host in report.url_hosts or []:
        fields.append(f"Reported-Domain: {host}")
    fields.append(f"Redacted-Address: {REDACTED}")
    feedback.set_content("\n".join(fields) + "\n")
    feedback.replace_header("Content-Type", "message/feedback-report")
    msg.attach(feedback)
    msg.attach(_rfc822_part(spam))
    return msg


def _rfc822_part(raw: bytes) -> EmailMessage:
    # attach(), not add_attachment(): the latter would re-wrap multipart/report as mixed.
    part = EmailMessage()
    part.set_content(email.message_from_bytes(raw, policy=email.policy.default))
    return part


def _xarf(report: Report, case: Case, spam: bytes) -> EmailMessage:
    body = {
        "xarf_version": "4.0.0",
        "report_id": str(uuid.uuid4()),
        "timestamp": (report.occurred_at or report.received_at).isoformat().replace("+00:00", "Z"),
        "reporter": {
            "org": settings.ABUSEDESK_ORG_NAME,
            "contact": settings.DEFAULT_FROM_EMAIL,
            "type": "manual",
        },
        "sender": {"org": settings.ABUSEDESK_ORG_NAME, "contact": settings.DEFAULT_FROM_EMAIL},
        "source_identifier": report.source_ip or (report.url_hosts or [""])[0],
        "category": "messaging",
        "type": "spam",
        "evidence_source": "user_complaint",
        "description": f"{case.reporter_count} complainant(s); complainant identity withheld",
        "evidence": [
            {
                "content_type": "message/rfc822",
                "description": "The reported message, recipients redacted",
                "payload": base64.b64encode(spam).decode("ascii"),
                "hash": "sha256:" + hashlib.sha256(spam).hexdigest(),
            }
        ],
    }
    msg = EmailMessage()
    msg.set_content("XARF v4 abuse report attached.\n")
    msg.add_attachment(
        json.dumps(body, indent=2).encode(), maintype="application", subtype="json", filename="xarf.json"
    )
    return msg


def _redacted_subject(report: Report, case: Case, withheld: set[str] | frozenset[str] = frozenset()) -> str:
    """The case's subject (a personalised spam's, perhaps) without the recipient's address."""
    raw = bytes(report.raw)
    parsed = parse_report(raw, content_type=report.content_type or None)
    spam = email.message_from_bytes(mime.normalise_bytes(parsed.reported_message_raw or raw))
    complaint = mime.parse_message(mime.normalise_bytes(raw))
    pattern = address_pattern(
        complainant_addresses(report, complaint, spam, parsed.reported_message_raw is None) | set(withheld)
    )
    return redact_text(case.subject or "", pattern)


def _build(*, report: Report, case: Case, fmt: str, to: str, message_id: str) -> EmailMessage:
    withheld = subscriber_addresses(case)
    spam = redacted_message(report, withheld)
    msg = (_arf if fmt == Forward.Format.ARF else _xarf)(report, case, spam)
    msg["From"] = settings.DEFAULT_FROM_EMAIL
    msg["To"] = to
    subject = report.source_ip or _redacted_subject(report, case, withheld)
    msg["Subject"] = f"Abuse report: {subject} [case {case.pk}]"
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def case_forward(
    *, case: Case, user, fmt: str, to: str | None = None, reason: str = "", consent: bool = False
) -> Forward:
    """Record a forward of the case's latest report; a task sends it after commit.

    Spam our customers received (rule 13) is the complainant's own mail: it is
    forwarded only when the complainant agreed (`consent`), which the audit entry
    records with a note of how it was given."""
    if fmt not in Forward.Format.values:
        raise ApplicationError(
            _("format must be one of %(f)s") % {"f": ", ".join(Forward.Format.values)},
            fields={"format": ["invalid"]},
        )
    if not case_forwardable(case):
        raise ApplicationError(
            _(
                "The spam came through something of ours (our customer's account, relay or hosting): "
                "this case is worked here, it is not forwarded to another network."
            ),
            code="case_is_ours",
        )
    needs_consent = forward_needs_consent(case)
    if needs_consent and not consent:
        raise ApplicationError(
            _(
                "This is spam our customer received: it is forwarded only with the complainant's consent "
                "(rule 13). Confirm that they agreed."
            ),
            fields={"consent": ["required"]},
        )
    if needs_consent and not reason.strip():
        raise ApplicationError(
            _("Say how and when the complainant agreed to the forward."), fields={"reason": ["required"]}
        )
    to = (to or forward_contact(case) or "").strip()
    if not to or "@" not in to:
        raise ApplicationError(
            _("no abuse contact is known for this case: give one"), fields={"to": ["required"]}
        )
    report = (
        newest_first(case.reports.filter(Q(source_ip__isnull=False) | ~Q(url_hosts=[]))).first()
    )
    if report is None:
        raise ApplicationError(_("the case has no report with an address or host to forward"))
    message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.split("@")[-1])
    msg = _build(report=report, case=case, fmt=fmt, to=to, message_id=message_id)
    digest = hashlib.sha256(msg.as_bytes(policy=email.policy.SMTP)).hexdigest()
    with transaction.atomic():
        # The case's row is the lock two submissions queue on: the second sees the first.
        list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
        _refuse_duplicate(case=case, report=report, to=to, fmt=fmt)
        forward = Forward.objects.create(
            case=case,
            report=report,
            to=to,
            format=fmt,
            requested_by=user,
            message_id=message_id,
            body_sha256=digest,
        )
        audit_record(
            actor=user,
            action="case.forwarded",
            obj=case,
            case_id=case.pk,
            reason=reason,
            data={
                "to": to,
                "format": fmt,
                "report": report.pk,
                "sha256": digest,
                **({"complainant_consent": True} if needs_consent else {}),
            },
        )
        case_mark_acted_on([case.pk])
        from complaints.tasks import send_forward

        # robust: a broker that is down must not turn a recorded forward into a 500;
        # the sweep (or the next request's check) sends it later.
        transaction.on_commit(lambda: send_forward.delay(forward.pk), robust=True)
    return forward


def _refuse_duplicate(*, case: Case, report: Report, to: str, fmt: str) -> None:
    earlier = (
        Forward.objects.filter(
            case=case,
            report=report,
            to__iexact=to,
            format=fmt,
            requested_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .order_by("-requested_at")
        .first()
    )
    if earlier is None:
        return
    raise ApplicationError(
        _(
            "This report was already forwarded to %(to)s as %(format)s at %(at)s: it is not sent twice. "
            "If that forward failed, retry it from the case page."
        )
        % {
            "to": earlier.to,
            "format": earlier.get_format_display(),
            "at": timezone.localtime(earlier.requested_at).strftime("%Y-%m-%d %H:%M"),
        },
        code="duplicate_forward",
    )


def forward_send(*, forward_id: int) -> str:
    """Send once: claim with a conditional update, release the claim if sending fails.

    Returns "sent", "skipped" (already sent or being sent) or "failed". A failure is
    recorded on the forward (error, attempts) for the case page and the retry; it is
    never raised, so a request that sent in-process never answers 500 for it.
    """
    if not mail_claim(Forward, forward_id):
        return "skipped"
    forward = Forward.objects.select_related("case", "report").get(pk=forward_id)
    try:
        msg = _build(
            report=forward.report,
            case=forward.case,
            fmt=forward.format,
            to=forward.to,
            message_id=forward.message_id,
        )
        msg["Date"] = format_datetime(timezone.now())
        PreparedMail(msg).send()
    except Exception as exc:
        logger.warning("forward %s not sent: %s", forward_id, exc, exc_info=True)
        mail_failed(Forward, forward_id, exc)
        return "failed"
    mail_sent(Forward, forward_id)
    return "sent"


def forward_retry(*, forward: Forward, user) -> None:
    """A person asks for a failed (or never sent) forward to be sent again: the same
    message, the same row, never a second forward."""
    if forward.sent_at is not None:
        raise ApplicationError(_("This forward has been sent already."))
    with transaction.atomic():
        Forward.objects.filter(pk=forward.pk, sent_at__isnull=True).update(attempts=0)
        audit_record(
            actor=user,
            action="case.forward_retried",
            obj=forward,
            case_id=forward.case_id,
            data={"to": forward.to, "error": forward.error[:200]},
        )
        from complaints.tasks import send_forward

        transaction.on_commit(lambda: send_forward.delay(forward.pk), robust=True)
