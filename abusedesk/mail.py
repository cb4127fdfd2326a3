"""Outgoing mail: one way to hand a message to whichever Django mail backend is configured.

Django's backends do not all treat a message the same: the console and file backends
call `message().as_bytes()` and decode it with the message's charset, SMTP passes
`linesep="\\r\\n"`, locmem keeps the Django object. A ready MIME structure (a forward's
multipart/report with the spam inside) is therefore turned into a plain 7-bit message
that every backend can write, whatever bytes the spam contained.
"""

from __future__ import annotations

import base64
import email
import email.policy
import logging
from datetime import timedelta
from email.message import Message
from io import BytesIO

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

# How long the sweep waits before trying a failed message again, by attempts so far.
RETRY_MINUTES = (1, 2, 5, 15, 30, 60)
MAX_AUTOMATIC_ATTEMPTS = 8
# A claim not confirmed within this time was cut off (a worker killed mid-send): the
# message is owed again. Longer than any SMTP conversation (set EMAIL_TIMEOUT).
CLAIM_LEASE = timedelta(minutes=30)
WIRE_POLICY = email.policy.compat32.clone(cte_type="7bit")


class WireMessage(Message):
    """A parsed message that serialises as 7-bit with the line ending the backend asks for."""

    def __init__(self, policy=WIRE_POLICY):
        super().__init__(policy=policy)

    def as_bytes(self, unixfrom=False, linesep="\n", policy=None):
        fp = BytesIO()
        policy = (policy or WIRE_POLICY).clone(linesep=linesep)
        email.generator.BytesGenerator(fp, mangle_from_=False, policy=policy).flatten(self, unixfrom=unixfrom)
        return fp.getvalue()

    def as_string(self, unixfrom=False, maxheaderlen=0, policy=None, linesep="\n"):
        return self.as_bytes(unixfrom=unixfrom, linesep=linesep, policy=policy).decode("ascii")


def _seven_bit(msg: Message) -> None:
    """Base64 every leaf part whose body is not ASCII (e.g. raw Shift_JIS without a charset)."""
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        payload = part.get_payload(decode=False)
        if isinstance(payload, str) and payload.isascii():
            continue
        data = part.get_payload(decode=True) or b""
        del part["Content-Transfer-Encoding"]
        part.set_payload(base64.encodebytes(data).decode("ascii"))
        part["Content-Transfer-Encoding"] = "base64"


def wire_message(data: bytes) -> WireMessage:
    msg = email.message_from_bytes(data, _class=WireMessage, policy=WIRE_POLICY)
    _seven_bit(msg)
    return msg


class PreparedMail(EmailMessage):
    """A ready MIME message (stdlib `email.message.EmailMessage`) for Django's backends."""

    def __init__(self, msg):
        super().__init__(subject=str(msg["Subject"] or ""), from_email=str(msg["From"]), to=[str(msg["To"])])
        self._wire = wire_message(msg.as_bytes(policy=email.policy.SMTP))

    def message(self, *args, **kwargs):
        return self._wire


def failure_text(exc: BaseException) -> str:
    """What a person sees on the page when a message could not be sent."""
    return f"{type(exc).__name__}: {exc}"[:2000]


def next_attempt_due(attempts: int, last_attempt_at) -> bool:
    """True when a failed message may be tried again by the sweep (backing off)."""
    if attempts >= MAX_AUTOMATIC_ATTEMPTS:
        return False
    if last_attempt_at is None:
        return True
    wait = RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1] if attempts else 0
    return (timezone.now() - last_attempt_at).total_seconds() >= wait * 60


def stable_message_id(kind: str, pk: int) -> str:
    """The Message-ID of one stored outgoing message, the same on every attempt.

    A worker killed after the SMTP server took a message but before sent_at was written
    sends it again once its claim's lease runs out: SMTP has no way to make that exactly
    once. The copies then carry one Message-ID, which mail stores and readers use to drop
    the second. Keyed with the secret so the identifiers do not count the desk's mail.
    """
    token = salted_hmac("abusedesk.mail.message-id", f"{kind}:{pk}").hexdigest()[:24]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<{kind}.{token}@{domain}>"


def claimable() -> Q:
    """Rows (Forward, Reply, Notice) that are unsent and not being sent right now."""
    return Q(sent_at__isnull=True) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=timezone.now() - CLAIM_LEASE)
    )


def mail_claim(model, pk: int) -> bool:
    """Claim one message for sending with a conditional update: True for the one caller
    that may send it. sent_at is written only once the backend took the message."""
    now = timezone.now()
    return bool(model.objects.filter(claimable(), pk=pk).update(claimed_at=now, last_attempt_at=now))


def mail_sent(model, pk: int) -> None:
    model.objects.filter(pk=pk).update(sent_at=timezone.now(), claimed_at=None, error="")


def mail_failed(model, pk: int, exc: BaseException) -> None:
    model.objects.filter(pk=pk).update(claimed_at=None, error=failure_text(exc), attempts=F("attempts") + 1)
