"""Mail channels: a mailbox file or folder, and the IMAP abuse mailbox."""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import mailbox
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import getaddresses

from django.conf import settings

from complaints.choices import Channel

from .intake import IngestResult, report_ingest

logger = logging.getLogger(__name__)

STORED_FLAG = "$AbuseDeskStored"


def sender_address(raw: bytes) -> str:
    """The From address of a message, lowercased; '' when there is none usable."""
    try:
        headers = email.message_from_bytes(raw.split(b"\n\n", 1)[0][:65536], policy=email.policy.compat32)
        pairs = getaddresses(headers.get_all("From", []))
    except Exception:  # hostile headers: the report is still stored, just without a sender
        return ""
    for _, addr in pairs:
        if "@" in addr:
            return addr.strip().lower()[:300]
    return ""


def ingest_mail(raw: bytes, *, channel: Channel, acknowledge: bool = True) -> IngestResult:
    return report_ingest(
        raw=raw,
        channel=channel,
        content_type="message/rfc822",
        reporter_key=f"email:{sender_address(raw) or '(no sender)'}",
        acknowledge=acknowledge,
    )


def iter_mailbox(path: str) -> tuple[int, Iterator[bytes]]:
    """(count, messages) of an mbox file or a Maildir folder, one message in memory at a time."""
    if os.path.isdir(path):
        if not all(os.path.isdir(os.path.join(path, sub)) for sub in ("cur", "new")):
            raise ValueError(f"{path} is a folder but not a Maildir (no cur/ and new/)")
        box = mailbox.Maildir(path, factory=None, create=False)
    elif os.path.isfile(path):
        with open(path, "rb") as fh:
            head = fh.read(5)
        if head and head != b"From ":
            raise ValueError(f"{path} is not an mbox file (it does not start with 'From ')")
        box = mailbox.mbox(path, factory=None, create=False)
    else:
        raise ValueError(f"{path} does not exist")
    keys = list(box.iterkeys())

    def messages():
        for key in keys:
            yield box.get_bytes(key)

    return len(keys), messages()


@dataclass
class PollResult:
    fetched: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def imap_connect() -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if settings.ABUSEDESK_IMAP_SSL else imaplib.IMAP4
    conn = cls(settings.ABUSEDESK_IMAP_HOST, settings.ABUSEDESK_IMAP_PORT, timeout=30)
    conn.login(settings.ABUSEDESK_IMAP_USER, settings.ABUSEDESK_IMAP_PASSWORD)
    return conn


def imap_poll(*, limit: int = 500) -> PollResult:
    """Fetch unstored mail, store each as a report, then flag it stored.

    The flag is set only after the report is committed; if the database fails,
    the message stays unflagged and is fetched again next time (intake is
    idempotent per sender and digest, so a retry never makes a second report).
    """
    result = PollResult()
    conn = imap_connect()
    try:
        typ, _ = conn.select(settings.ABUSEDESK_IMAP_FOLDER)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot select folder {settings.ABUSEDESK_IMAP_FOLDER!r}")
        typ, data = conn.uid("SEARCH", None, "UNKEYWORD", STORED_FLAG, "UNDELETED")
        uids = data[0].split()[:limit] if typ == "OK" and data and data[0] else []
        for uid in uids:
            typ, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None) if typ == "OK" else None
            if raw is None:
                result.errors.append(f"uid {uid.decode()}: fetch failed")
                continue
            result.fetched += 1
            outcome = ingest_mail(
                raw, channel=Channel.IMAP
            )  # raises on database failure: stop, keep the mail
            result.created += outcome.created
            result.duplicates += not outcome.created
            conn.uid("STORE", uid, "+FLAGS", f"({STORED_FLAG} \\Seen)")
    finally:
        try:
            conn.logout()
        except Exception:  # the connection may already be gone
            logger.debug("IMAP logout failed", exc_info=True)
    return result
