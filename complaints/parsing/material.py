"""The reported message inside a message: attached, pasted, quoted or forwarded inline.

People send the spam to abuse@ in every shape their mail program allows: attached as
message/rfc822 (a forward as attachment, Outlook's included), attached as a file of any
content type (.eml as application/octet-stream, headers as text/plain), as
text/rfc822-headers, headers pasted into the body (often re-wrapped, their continuation
indent lost), a reply quoting the spam with ">", or an inline forward under a
"Forwarded message" line. Each is recognised by its structure: header lines of a mail
message, not words of a particular sample.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from dataclasses import dataclass, field
from email.message import Message

from . import mime
from .common import embedded_message, wrapper_parts
from .urls import html_to_text

MESSAGE_HEADERS = ("from", "received", "subject", "date", "message-id", "to", "return-path", "content-type")
# Headers that occur in a message's header block and nowhere in prose.
_HEADER_NAMES = (
    "received",
    "return-path",
    "delivered-to",
    "x-received",
    "x-original-to",
    "envelope-to",
    "authentication-results",
    "arc-seal",
    "arc-message-signature",
    "arc-authentication-results",
    "dkim-signature",
    "received-spf",
    "from",
    "to",
    "cc",
    "reply-to",
    "sender",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "x-mailer",
    "user-agent",
    "x-originating-ip",
    "list-unsubscribe",
    "thread-index",
    "x-ms-exchange-organization-authas",
)
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9-]{0,60}):(?:[ \t]|$)")
_RECEIVED_LINE = re.compile(r"^Received:\s*(?:from|by)\b", re.IGNORECASE)
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)+")
# Lines mail programs put above an inline forward (Gmail, Thunderbird, Apple Mail,
# Outlook, and the Japanese forms of Thunderbird and Becky!), and Outlook's rule line.
_INLINE_MARKER = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Original Message|Message d'origine|Ursprüngliche Nachricht"
    r"|Mensaje original|転送メッセージ|転送されたメッセージ|元のメッセージ)\s*-{2,}|Begin forwarded message:"
    r"|={5,}\s*BEGIN FORWARDED MESSAGE\s*={5,}|_{10,}(?=\s*\n[ \t>]*(?:From|差出人|送信者)[:：])"
    r"|転送されたメッセージ[:：])[ \t]*$",  # the last: Apple Mail's "Begin forwarded message:" in Japanese
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Outlook .msg file
_TNEF_MAGIC = b"\x78\x9f\x3e\x22"  # Outlook's winmail.dat (application/ms-tnef)


@dataclass
class Material:
    """A reported message found inside another one, and how it was found."""

    message: Message
    raw: bytes
    via: str  # attachment, attachment_as_data, rfc822_headers, pasted_headers, inline_forward, quoted_forward


@dataclass
class Found:
    material: Material | None
    prose: str  # the sender's own words: the body text without the material
    notes: list[str]
    # The other reported messages attached beside `material` (a complaint about several
    # spams, a digest), each with its own Received chain: each is a report of its own.
    others: list[Material] = field(default_factory=list)


MAX_OTHERS = 20  # more attached messages than this: a note says so, a person looks


def has_message_headers(msg: Message) -> bool:
    return any(key.lower() in MESSAGE_HEADERS for key in msg.keys())


def find(msg: Message) -> Found:
    """The reported message inside `msg`, preferring one that carries a Received chain."""
    notes: list[str] = []
    candidates = list(_attached(msg, notes))
    text = body_text(msg)
    inline = in_text(text)
    if inline is not None:
        candidates.append(inline)
    chained = [c for c in candidates if c[0] and mime.raw_headers(c[0].message, "Received")]
    best = chained[0] if chained else (candidates[0] if candidates else None)
    if best is None:
        return Found(None, text, notes)
    material, span = best
    prose = text[: span[0]] + "\n" + text[span[1] :] if span else text
    others, seen = [], {material.raw}
    more = pasted_after(text, span) if span and material.via == "pasted_headers" else []
    for other in [c for c, _span in chained[1:]] + more:
        if other.raw not in seen:
            seen.add(other.raw)
            others.append(other)
    if len(others) > MAX_OTHERS:
        notes.append(
            f"{len(others) + 1} reported messages are attached; the first {MAX_OTHERS + 1} are filed, "
            "a person must look at the rest"
        )
        others = others[:MAX_OTHERS]
    return Found(material, prose, notes, others)


def body_text(msg: Message) -> str:
    """The sender's text: the first text/plain part that is no attachment, else HTML as text."""
    html = None
    for part in wrapper_parts(msg):
        if part.is_multipart() or _is_attachment(part):
            continue
        ctype = mime.content_type(part)
        if ctype == "text/plain":
            return mime.part_text(part)
        if ctype == "text/html" and html is None:
            html = html_to_text(mime.part_text(part))
    return html or ""


def looks_like_message(data: bytes) -> bool:
    """Bytes that start with a mail header block: header lines, two of them a message's."""
    head = mime.normalise_bytes(data[:20_000]).split(b"\n\n", 1)[0]
    lines = head.decode("latin-1").split("\n")[:200]
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    names = {m.group(1).lower() for line in lines if (m := _HEADER_LINE.match(line))}
    return len(names & set(_HEADER_NAMES)) >= 2


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "") or "").split(";", 1)[0].strip().lower()
    return disposition == "attachment" or bool(mime.param(part, "name") or _filename(part))


def _filename(part: Message) -> str | None:
    return mime.filename(part)


def _attached(msg: Message, notes: list[str]):
    """(Material, None) for each message attached to `msg`, whatever its content type."""
    first_text = True
    for part in wrapper_parts(msg):
        if part is msg or part.is_multipart() and mime.content_type(part).startswith("multipart/"):
            continue
        ctype = mime.content_type(part)
        inner = embedded_message(part)
        if inner is not None and has_message_headers(inner):
            via = "rfc822_headers" if "header" in ctype else "attachment"
            yield Material(inner, mime.message_bytes(inner), via), None
            continue
        if ctype in ("text/plain", "text/html") and first_text and not _is_attachment(part):
            first_text = False  # the sender's own text, searched for pasted material later
            continue
        data = mime.part_bytes(part)
        for name, content in _unpacked(_filename(part) or "no name", data, notes):
            if content.startswith(_OLE_MAGIC) or content.startswith(_TNEF_MAGIC):
                notes.append(
                    f"an Outlook item ({name}) is attached: its headers cannot be read here; ask for "
                    "the message as an .eml file or with its headers pasted"
                )
                continue
            if looks_like_message(content):
                inner = mime.parse_message(mime.normalise_bytes(content))
                if has_message_headers(inner):
                    yield Material(inner, content, "attachment_as_data"), None


# A message sent inside an archive (mail gateways that refuse .eml and .msg attachments
# make people zip them): at most this many entries, each read up to this many bytes.
MAX_ARCHIVED = 5
MAX_ARCHIVED_BYTES = 10 * 1024 * 1024
_ARCHIVED_NAME = re.compile(r"\.(?:eml|msg|txt|mbox|mht|rfc822)$|^[^.]*$", re.IGNORECASE)


def _unpacked(name: str, data: bytes, notes: list[str]) -> list[tuple[str, bytes]]:
    """(name, bytes) of what an attachment holds: a zip archive's message files, a
    gzip file's content, else the attachment itself."""
    try:
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = [
                    i for i in archive.infolist() if not i.is_dir() and _ARCHIVED_NAME.search(i.filename)
                ][:MAX_ARCHIVED]
                return [(f"{name}: {i.filename}", archive.open(i).read(MAX_ARCHIVED_BYTES)) for i in entries]
        if data[:2] == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                return [(name, unzipped.read(MAX_ARCHIVED_BYTES))]
    except RuntimeError:  # zipfile's word for an entry that needs a password
        notes.append(f"{name} is an archive with a password: what it holds cannot be read here")
        return []
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        notes.append(f"{name} is an archive that cannot be opened")
        return []
    return [(name, data)]


def in_text(text: str) -> tuple[Material, tuple[int, int]] | None:
    """Material in the body text: an inline forward, a quoted copy or pasted headers."""
    if not text:
        return None
    found = _inline_forward(text)
    pasted = _pasted_headers(text)
    quoted = _quoted(text)
    # Headers with a Received chain beat a forward that lost them.
    for candidate in (pasted, quoted, found):
        if candidate and mime.raw_headers(candidate[0].message, "Received"):
            return candidate
    return found or quoted or pasted


def _inline_forward(text: str) -> tuple[Material, tuple[int, int]] | None:
    marker = _INLINE_MARKER.search(text)
    if marker is None:
        return None
    rest = text[marker.end() :]
    end = re.search(r"^={5,}\s*END FORWARDED MESSAGE\s*={5,}[ \t]*$", rest, re.IGNORECASE | re.MULTILINE)
    body = rest[: end.start()] if end else rest
    lines = [_outlook_names(_QUOTE_PREFIX.sub("", line)) for line in body.lstrip("\n").splitlines()]
    copy = "\n".join(_rejoin(lines))
    material = _material(copy, "inline_forward")
    if material is None:
        return None
    return material, (marker.start(), marker.end() + len(body))


# Outlook writes "Sent:" for the date; "差出人/送信日時/件名" in Japanese Outlook.
_OUTLOOK_NAMES = {
    "sent": "Date",
    "差出人": "From",
    "送信者": "From",
    "送信日時": "Date",
    "宛先": "To",
    "件名": "Subject",
    "日付": "Date",  # Thunderbird's and Apple Mail's Japanese forward
    "cc": "Cc",
}


def _outlook_names(line: str) -> str:
    name, sep, value = line.replace("：", ":", 1).partition(":")  # Japanese clients' full-width colon
    mapped = _OUTLOOK_NAMES.get(name.strip().lower()) if sep and len(name) < 12 else None
    return f"{mapped}: {value.lstrip()}" if mapped else line


def _quoted(text: str) -> tuple[Material, tuple[int, int]] | None:
    """A block of ">"-quoted lines that holds a message's header lines."""
    for block in re.finditer(r"(?:^[ \t]*>.*(?:\n|$))+", text, re.MULTILINE):
        lines = [_QUOTE_PREFIX.sub("", line) for line in block.group(0).splitlines()]
        start = next((i for i, line in enumerate(lines) if _header_start(line)), None)
        if start is None:
            continue
        material = _material("\n".join(_rejoin(lines[start:])), "quoted_forward")
        if material is not None:
            return material, block.span()
    return None


def _pasted_headers(text: str) -> tuple[Material, tuple[int, int]] | None:
    """Header lines pasted into the text, a Received line among them."""
    return next(_pasted_copies(text), None)


def pasted_after(text: str, span: tuple[int, int]) -> list[Material]:
    """More copies pasted one after the other below the one at `span` ("spam 1… spam 2…"),
    up to the thread quoted below (a reply's "-----Original Message-----", "On … wrote:"):
    what the person pasted now, each a report of its own. A copy in the quoted thread was
    filed when it was first sent."""
    rest = text[span[1] :]
    head = _header_block([x.rstrip("\r\n") for x in text[span[0] : span[1]].splitlines()])
    if _a_forward(head):
        return []  # what follows is the forwarded message, the one reported
    stop = _end_of_copy(rest, thread_only=True)
    return [material for material, _ in _pasted_copies(rest[:stop])]


_FORWARD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:fwd?|tr|wg|rv|vs|転送)\s*[:：]", re.IGNORECASE)


def _a_forward(block: list[str]) -> bool:
    """Pasted header lines of a forward (its subject "FW: …"), not of the reported copy."""
    for line in block:
        name, _, value = line.lstrip().partition(":")
        if name.strip().lower() == "subject":
            return bool(_FORWARD_SUBJECT.match(value))
    return False


def _pasted_copies(text: str):
    """(Material, span) for each block of pasted header lines with a Received line, in
    order. Each copy's body ends where the text moves on: the next pasted copy, a
    forwarded or quoted message below, the sender's signature."""
    lines = text.splitlines(keepends=True)
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    i = 0
    while i < len(lines):
        if not _header_start(lines[i].strip("\r\n").lstrip()):
            i += 1
            continue
        block = _header_block([x.rstrip("\r\n") for x in lines[i : i + 4000]])
        if not any(_RECEIVED_LINE.match(x.lstrip()) for x in block):
            i += max(1, len(block))
            continue
        end_line = i + len(block)
        body = "".join(lines[end_line:])
        # A forward's own headers pasted above what it forwarded keep it all as the
        # body: the copy inside is the reported one.
        body = body[: _end_of_copy(body, thread_only=None if _a_forward(block) else False)]
        copy = "\n".join(_rejoin([x.lstrip() if _header_start(x.lstrip()) else x for x in block]))
        material = _material(copy + "\n\n" + body.lstrip("\n"), "pasted_headers")
        start = offsets[end_line] if end_line < len(offsets) else len(text)
        if material is not None:
            yield material, (offsets[i], start)
            i = end_line + body.count("\n")
            continue
        i = end_line


# A reply's line above the quoted thread: "On Fri, Nov 20, 2026 at 4:00 PM X wrote:",
# "2026年11月20日(金) 16:00 X <x@example>:".
_REPLY_ATTRIBUTION = re.compile(
    r"^[ \t]*(?:On\s.{4,300}?\swrote:|\d{4}年\d{1,2}月\d{1,2}日.{0,200}<[^<>\s]+@[^<>\s]+>\s*(?:[:：]|wrote:|"
    r"は書きました[:：]?))[ \t]*$",
    re.MULTILINE,
)


def _end_of_copy(body: str, *, thread_only: bool | None = False) -> int:
    """Where a pasted copy's body ends: at the thread quoted below it (a forward or reply
    marker, a quoted copy with headers), at the next pasted copy (unless `thread_only`),
    or at the sender's signature (only that when `thread_only` is None)."""
    ends = [len(body)]
    if thread_only is None:
        match = _SIGNATURE.search(body)
        return match.start() if match else len(body)
    for pattern in (_INLINE_MARKER, _REPLY_ATTRIBUTION, _SIGNATURE):
        if pattern is _SIGNATURE and thread_only:
            continue
        match = pattern.search(body)
        if match:
            ends.append(match.start())
    quoted = _quoted_copy_start(body)
    if quoted is not None:
        ends.append(quoted)
    if not thread_only:
        lines = body.splitlines(keepends=True)
        pos = 0
        for index, line in enumerate(lines):
            if pos and _header_start(line.lstrip()):
                block = _header_block([x.rstrip("\r\n") for x in lines[index : index + 400]])
                if any(_RECEIVED_LINE.match(x.lstrip()) for x in block):
                    ends.append(pos)
                    break
            pos += len(line)
    return min(ends)


def _quoted_copy_start(text: str) -> int | None:
    """Where a ">"-quoted block holding a message's header lines starts."""
    for block in re.finditer(r"(?:^[ \t]*>.*(?:\n|$))+", text, re.MULTILINE):
        lines = [_QUOTE_PREFIX.sub("", line) for line in block.group(0).splitlines()]
        if any(_header_start(line) for line in lines) and any(_RECEIVED_LINE.match(x) for x in lines):
            return block.start()
    return None


def _header_block(lines: list[str]) -> list[str]:
    """Lines from the first header line to the end of the header block.

    One blank line is allowed when a header line follows it (double-spaced text).
    """
    block: list[str] = []
    for index, line in enumerate(lines[:2000]):
        if not line.strip():
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if following.strip() and _header_start(following.lstrip()) and not block[-1:] == [""]:
                block.append("")
                continue
            break
        block.append(line)
    while block and not block[-1].strip():
        block.pop()
    return [line for line in block if line.strip()]


def _header_start(line: str) -> bool:
    match = _HEADER_LINE.match(line)
    name = match.group(1).lower() if match else ""
    return name in _HEADER_NAMES or name.startswith("x-")


def _rejoin(lines: list[str]) -> list[str]:
    """Re-fold headers whose continuation lines lost their indent when pasted or wrapped."""
    out: list[str] = []
    in_headers = True
    for line in lines:
        if in_headers and not line.strip():
            in_headers = False
            out.append("")
            continue
        if in_headers and out and not _HEADER_LINE.match(line) and not line[:1].isspace():
            out.append(" " + line.strip())
            continue
        out.append(line)
    return out


def _material(copy: str, via: str) -> Material | None:
    data = copy.strip("\n").encode("utf-8", "surrogateescape")
    if not looks_like_message(data):
        return None
    message = mime.parse_message(data)
    return Material(message, data, via) if has_message_headers(message) else None
