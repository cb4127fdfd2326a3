"""Access to complaint content (S1) and to traffic data (S2), always recorded with who,
when, what, which case and why (POLICY.md "Secrecy of communications")."""

from __future__ import annotations

import email
import re
from email.message import Message
from email.policy import compat32

from abusedesk.audit import audit_record
from complaints.models import Report
from complaints.parsing import mime, parse_report
from complaints.parsing.clean import storable
from complaints.parsing.common import wrapper_parts
from complaints.parsing.material import has_message_headers
from complaints.parsing.urls import html_to_text
from complaints.sanitize import safe_html

# The facts that repeat what the message said (its subject, the links in it): content
# (S1), shown only through report_content. Every other fact is how it travelled.
CONTENT_FACTS = frozenset({"subject", "urls"})


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
    # What the message said, not how it travelled: its subject and the links in it,
    # shown only here. Retention keeps them as facts taken from it (retention.py).
    said = {"subject": report.subject, "urls": [u.url for u in report.report_urls.all()]}
    if purged_at is not None:
        # POLICY.md retention: the bytes are gone; the digest says what they were.
        gone = {"raw": "", "raw_charsets": [], "complaint_text": "", "body_text": "", "body_html": ""}
        return {"id": report.pk, "sha256": report.raw_sha256, "purged_at": purged_at, **said, **gone}
    raw = bytes(raw)
    parsed = parse_report(raw, content_type=report.content_type or None)
    shown, charsets = as_received(raw)
    body_text = parsed.body_text or ""
    # The spam itself (posted by a trap or a partner, or redirected to us) has no words
    # of a complainant: its text is the reported message's text, shown once.
    itself = parsed.message_kind == "spam" or parsed.reported_via == "redirect"
    return {
        "id": report.pk,
        "sha256": report.raw_sha256,
        "purged_at": None,
        **said,
        # The message as it came, each part read by the charset it declares (or the
        # parser's guess for undeclared 8-bit bytes); `raw_charsets` says which.
        "raw": shown,
        "raw_charsets": charsets,
        # What the complainant wrote: the complaint's own text parts (not the copy
        # attached to it), decoded as the parser decodes them.
        "complaint_text": "" if itself else complaint_text(raw, report.content_type or ""),
        "body_text": body_text,
        # Cleaned the same way everywhere (nh3, complaints/sanitize.py): a client that
        # renders it must not run or fetch what the spammer put in.
        "body_html": safe_html(parsed.body_html or ""),
    }


_JSON_TYPES = ("application/json", "application/xarf+json", "text/json")


def complaint_text(raw: bytes, content_type: str = "") -> str:
    """The text the sender of a report wrote: its text/plain parts that are no attachment
    (never the text of a message attached to it), else its first HTML part as text; each
    decoded by its declared charset with the parser's fallbacks (mime.part_text). Text
    with no message headers (a note typed above pasted headers) is all the sender's."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype in _JSON_TYPES or raw.lstrip()[:1] in (b"{", b"["):
        return ""
    try:
        data, _cut = mime.cap_parts(mime.normalise_bytes(raw))
        msg = mime.parse_message(data)
        if not has_message_headers(msg):
            return storable(mime.decode_bytes(data)[: mime.MAX_TEXT])
        root = msg
        if mime.content_type(msg).startswith("multipart/") and not msg.is_multipart():
            root = mime.repair_boundary(msg) or msg
        texts, html = [], None
        for part in wrapper_parts(root):
            if part.is_multipart() or _is_attachment(part):
                continue
            ctype = mime.content_type(part)
            if ctype == "text/plain":
                texts.append(mime.part_text(part).strip("\n"))
            elif ctype == "text/html" and html is None:
                html = html_to_text(mime.part_text(part))
        text = "\n\n".join(t for t in texts if t) or html or ""
    except Exception:  # a page that shows content must never fail on the content
        return ""
    return storable(text[: mime.MAX_TEXT])


def _is_attachment(part: Message) -> bool:
    try:
        disposition = str(part.get("Content-Disposition", "") or "").split(";", 1)[0].strip().lower()
        filename = part.get_filename()
    except Exception:
        return True
    return disposition == "attachment" or bool(filename or mime.param(part, "name"))


# The names staff know for the codecs mime.codec_for picks (Windows supersets included).
_CHARSET_NAMES = {
    "cp932": "Shift_JIS",
    "shift_jis": "Shift_JIS",
    "euc_jis_2004": "EUC-JP",
    "euc_jp": "EUC-JP",
    "iso2022_jp": "ISO-2022-JP",
    "iso2022_jp_ext": "ISO-2022-JP",
    "iso2022_jp_1": "ISO-2022-JP-1",
    "iso2022_jp_2": "ISO-2022-JP-2",
    "iso2022_jp_3": "ISO-2022-JP-3",
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
    "gb18030": "GB18030",
    "cp949": "CP949 (EUC-KR)",
    "big5hkscs": "Big5-HKSCS",
    "utf-7": "UTF-7",
}
_JIS = b"\x1b$"
_EMBEDDED = ("message/rfc822", "message/global", "text/rfc822-headers")
_HEADER_LINE = re.compile(rb"[!-9;-~]{1,200}:")
_ASCII_LIKE = ("ascii", "us-ascii", "")
_MAX_BOUNDARIES = 100


def as_received(raw: bytes) -> tuple[str, list[dict]]:
    """The raw message as text, line for line: nothing is reformatted and encoded words
    stay encoded. 8-bit and ISO-2022-JP bytes are decoded by the charset the part they
    are in declares; header lines and undeclared bytes as the parser does it
    (mime.guess_decode, hinted by the message's declared charset). Returns the text and
    the charsets used [{"charset": "Shift_JIS", "guessed": False}, ...]. Never raises."""
    if raw.isascii() and b"\x1b" not in raw:
        return raw.decode("ascii"), []
    used: dict[tuple[str, bool], None] = {}
    try:
        text = _AsReceived(raw, used).run()
    except Exception:  # never fail: show the bytes as the parser's last resort would
        used = {}
        text = _piece(raw, None, None, used)
    charsets = [{"charset": name, "guessed": guessed} for name, guessed in used]
    return storable(text), charsets


class _AsReceived:
    """A line scanner over the raw bytes that knows, for each line, whether it is a
    header line or a body line, and which charset the part it is in declares."""

    def __init__(self, raw: bytes, used: dict):
        self.lines = raw.splitlines(keepends=True)
        self.used = used
        self.hint = _declared_charset(raw)
        self.boundaries: set[bytes] = set()
        self.parts = 0
        self.out: list[str] = []

    def run(self) -> str:
        in_headers = bool(self.lines) and bool(_HEADER_LINE.match(self.lines[0]))
        block: list[bytes] = []
        body: list[bytes] = []
        charset = None
        for line in self.lines:
            bare = line.rstrip(b"\r\n")
            if in_headers:
                if bare.strip():
                    block.append(line)
                    continue
                ctype, charset, boundary, encoded = _read_headers(block)
                self._headers(block, charset)
                self.out.append(_piece(line, None, None, self.used))
                block = []
                if boundary and len(self.boundaries) < _MAX_BOUNDARIES:
                    self.boundaries.add(b"--" + boundary)
                # A message part's body is the embedded message's own header block.
                in_headers = ctype in _EMBEDDED and not encoded
                if in_headers:
                    charset = None
                continue
            delimiter = bare.rstrip(b" \t")
            if delimiter.startswith(b"--") and (
                delimiter in self.boundaries
                or delimiter.endswith(b"--")
                and delimiter[:-2] in self.boundaries
            ):
                self.out.append(_piece(b"".join(body), charset, self.hint, self.used))
                body = []
                self.out.append(_piece(line, None, None, self.used))
                self.parts += 1
                if self.parts > mime.MAX_PARTS:  # a MIME bomb: the rest is one undeclared body
                    self.boundaries.clear()
                closing = delimiter not in self.boundaries
                in_headers, charset = not closing, None
                continue
            body.append(line)
        self._headers(block, None)
        self.out.append(_piece(b"".join(body), charset, self.hint, self.used))
        return "".join(self.out)

    def _headers(self, block: list[bytes], charset: str | None) -> None:
        # Each line on its own (a raw Subject may be Shift_JIS beside a UTF-8 name),
        # hinted by the part's own charset, else the message's.
        hint = charset if _label(charset) else self.hint
        for line in block:
            self.out.append(_piece(line, None, hint, self.used))


def _declared_charset(raw: bytes) -> str | None:
    """The first charset the message declares for a part (what mime.raw_headers hints
    its guess for raw 8-bit header bytes with)."""
    msg = mime.parse_message(mime.cap_parts(mime.normalise_bytes(raw))[0])
    for part in mime.walk(msg, limit=20):
        charset = mime.param(part, "charset")
        if charset:
            return charset
    return None


def _read_headers(block: list[bytes]) -> tuple[str, str | None, bytes | None, bool]:
    """(content type, charset, boundary, transfer-encoded) of one raw header block."""
    if not block:
        return "text/plain", None, None, False
    # compat32: a header block alone, read for three parameters (policy.default costs
    # ~1 ms a block, too much for a message with a thousand parts).
    part = email.message_from_bytes(b"".join(block).replace(b"\r\n", b"\n") + b"\n", policy=compat32)
    try:
        boundary = part.get_boundary() if mime.content_type(part).startswith("multipart/") else None
    except Exception:
        boundary = None
    encoding = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    return (
        mime.content_type(part),
        mime.param(part, "charset"),
        boundary.encode("utf-8", "surrogateescape") if boundary else None,
        encoding in ("base64", "quoted-printable"),
    )


def _piece(data: bytes, declared: str | None, hint: str | None, used: dict) -> str:
    """Bytes of one header line or one part's body as text, noting the charset used:
    `declared` is the part's own charset (None for header lines), `hint` the one the
    message declares. Marked guessed when neither said so (UTF-8 never is: it checks)."""
    if not data or (data.isascii() and _JIS not in data):
        return data.decode("ascii", errors="replace")
    label, hint = _label(declared), _label(hint)
    expected = mime.codec_for(label or hint) if (label or hint) else None
    if _JIS in data:  # ISO-2022-JP, declared or not: ESC $ B is unmistakable
        jis = next((c for c in (label, hint) if c and mime.codec_for(c).startswith("iso2022")), "iso-2022-jp")
        codec = mime.codec_for(jis)
        return _noted(mime.decode_bytes(data, jis), codec, codec != expected, used)
    if label:
        codec = mime.codec_for(label)
        try:
            return _noted(data.decode(codec), codec, False, used)
        except (UnicodeDecodeError, LookupError):
            pass
    text = mime.guess_decode(data, label or hint or None)
    codec = _codec_of(data, text, label or hint)
    if codec is not None:
        return _noted(text, codec, codec not in ("utf-8", expected), used)
    if label and mime.codec_for(label) != "utf-8":  # the declared charset, a few bytes damaged
        return _noted(mime.decode_bytes(data, label), mime.codec_for(label), False, used)
    if b"\n" in data.rstrip(b"\r\n"):  # keep the damage to its own line
        return "".join(_piece(line, declared, hint, used) for line in data.splitlines(keepends=True))
    return _noted(text, "cp1252", True, used)


def _label(charset: str | None) -> str:
    """A charset label as declared; "" for none, and for US-ASCII: 8-bit bytes in a part
    labelled US-ASCII are undeclared in truth."""
    label = (charset or "").strip().strip("\"'").lower()
    return "" if label in _ASCII_LIKE else label


def _codec_of(data: bytes, text: str, hint: str | None) -> str | None:
    """Which codec mime.guess_decode read `data` with strictly; None for its last resort."""
    for codec in dict.fromkeys(("utf-8", mime.codec_for(hint) if hint else "utf-8", "cp932", "euc_jis_2004")):
        try:
            if data.decode(codec) == text:
                return codec
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _noted(text: str, codec: str, guessed: bool, used: dict) -> str:
    used[(_CHARSET_NAMES.get(codec, codec.upper()), guessed)] = None
    return text


TRAFFIC_VIEWED = "traffic.viewed"
# The purpose recorded for every attribution shown: stored in English (the audit trail
# and the access CSV keep stable text); the access review page shows it translated.
TRAFFIC_VIEWED_REASON = "attribution shown within the case"


def traffic_viewed(*, user, via: str, case=None, report=None) -> None:
    """Record that `user` was shown an attribution: which address at which instant was
    whose session, login or NAT mapping (traffic data, S2). The case is the purpose:
    S2 is only shown within a case (or one of its reports), so that is the reason
    recorded. One entry per page or API answer, kept out of the case's timeline."""
    if case is None and report is None:
        return
    accounts = (case.accounts if case is not None else (report.attribution or {}).get("accounts")) or []
    audit_record(
        actor=user,
        action=TRAFFIC_VIEWED,
        obj=case if case is not None else report,
        case_id=case.pk if case is not None else report.case_id,
        reason=TRAFFIC_VIEWED_REASON,
        data={"via": via, "accounts": list(accounts)[:20]},
    )
