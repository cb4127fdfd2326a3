"""E-mail helpers on top of the standard library: line endings, charsets, headers."""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import functools
import quopri
import re
from email import policy
from email.generator import BytesGenerator
from email.message import Message
from email.policy import EmailPolicy
from email.utils import getaddresses
from io import BytesIO

MAX_HEADER = 16_384  # longer header values are cut: nothing legitimate needs more
MAX_TEXT = 2_000_000  # characters of one decoded part that we look at
MAX_PARTS = 2000  # no real report has more; the header registry costs ~0.5 ms per part
_DELIMITER = re.compile(rb"^--(?=[^\n]*[^\s-])\S{1,200}[ \t]*$", re.MULTILINE)
# Writes parsed headers back as they came (and fast: refolding costs ~50 us a header).
_AS_PARSED = policy.default.clone(refold_source="none", linesep="\n")
_JIS_SHIFT = re.compile(rb"(\x1b\$[@B]|\x1b\([BJI])")

# Mail in the wild labels charsets loosely; map labels to the codec that decodes
# what senders really meant (Windows supersets of the Japanese and Chinese sets).
_CHARSET_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-2022-jp-2": "iso2022_jp_2",
    # Windows' names for its ISO-2022-JP (NEC and IBM extensions: _decode_windows_jis).
    "iso-2022-jp-ms": "iso2022_jp_ext",
    "cp50220": "iso2022_jp_ext",
    "cp50221": "iso2022_jp_ext",
    "cp50222": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "eucjp": "euc_jis_2004",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
}
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*?)\?=")
_ENCODED_GAP = re.compile(r"(\?=)\s+(=\?)")
_CHARSET_LABEL = re.compile(r"[a-z0-9][a-z0-9_.:+-]{0,39}")


def normalise_bytes(raw: bytes) -> bytes:
    """A copy with LF line endings and without an mbox "From " line or a BOM."""
    data = bytes(raw)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    data = data.lstrip(b"\r\n\t ")
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    # An mbox separator, its escaped copy, or its quoted copy (SpamCop's reports:
    # '"From x@y Fri Jul 28 10:24:08 2017"' above the copy's headers).
    if data.startswith((b"From ", b">From ", b'"From ')):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    return data


class _ReadOncePolicy(EmailPolicy):
    """policy.default, except that a header value already parsed is not parsed again.

    The email package parses a header each time it is asked for (Content-Type, three
    times by the parser itself for every part, then again for each parameter or file
    name asked): the parsed headers are immutable, so the same text gives the same one.
    """

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name") or len(value) > _MAX_KEPT_HEADER:
            return super().header_fetch_parse(name, value)
        return _parsed_header(name, value)


_MAX_KEPT_HEADER = 2048


@functools.lru_cache(maxsize=1024)
def _parsed_header(name: str, value: str):
    return EmailPolicy.header_fetch_parse(_READ_ONCE, name, value)


_READ_ONCE = _ReadOncePolicy()


def parse_message(data: bytes) -> Message:
    """Parse with policy.default (each header parsed once); compat32 if the default
    policy chokes on a header. Multipart parts whose declared boundary the body never
    uses are mended (see mend_boundaries)."""
    try:
        msg = email.message_from_bytes(data, policy=_READ_ONCE)
    except Exception:
        msg = email.message_from_bytes(data, policy=policy.compat32)
    mend_boundaries(msg)
    return msg


def mend_boundaries(msg: Message) -> None:
    """Give each part declared multipart whose declared boundary never occurs the parts
    its body's own delimiter lines make. Two kinds of real mail need it: a boundary
    written unquoted with "=" in it (boundary=----=_NextPart_000_…, which the default
    policy cuts at the "=") and a header rewritten by a gateway or a signature appender
    while the body kept its old delimiters. Without it the whole body is one string and
    a forwarded spam attached to a complaint is never seen. Mended parts are marked
    (`mended_boundary`) so a reader can say so."""
    pending, seen = [msg], 0
    while pending and seen < MAX_PARTS:
        part = pending.pop()
        seen += 1
        if not part.is_multipart() and content_type(part).startswith("multipart/"):
            repaired = repair_boundary(part)
            if repaired is None:
                continue
            part.set_payload(repaired.get_payload())
            try:
                part.set_boundary(repaired.get_boundary())
            except Exception:
                pass  # the parts are read; only a re-serialisation would miss it
            part.mended_boundary = True
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            pending.extend(p for p in payload if isinstance(p, Message))


def cap_parts(data: bytes) -> tuple[bytes, bool]:
    """Cut a MIME bomb after MAX_PARTS boundary lines. Returns (data, was_cut)."""
    for count, match in enumerate(_DELIMITER.finditer(data), start=1):
        if count > MAX_PARTS:
            return data[: match.start()], True
    return data, False


def codec_for(charset: str | None) -> str:
    label = (charset or "").strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    if not _CHARSET_LABEL.fullmatch(label):
        return "utf-8"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return "utf-8"


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_HALF_WIDTH_KANA = re.compile(r"[\uff61-\uff9f]")
_GUESSES = ("cp932", "euc_jis_2004")


def guess_decode(data: bytes, hint: str | None = None) -> str:
    """Text of undeclared 8-bit bytes (a raw Shift_JIS subject, say), never raising.

    UTF-8 when it decodes; else the hinted charset (the message's own, when it is not
    ASCII); else the Japanese encoding whose strict decoding reads most like Japanese
    (kana and kanji; a run of half-width katakana is what the wrong one produces);
    else Windows-1252, which decodes any byte.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x1b$" in data:
        return decode_bytes(data, "iso-2022-jp")
    hinted = codec_for(hint) if hint else None
    if hinted and hinted not in ("utf-8", "cp1252", "ascii"):
        try:
            return data.decode(hinted)
        except (UnicodeDecodeError, LookupError):
            pass
    best, best_score = None, 0
    for codec in _GUESSES:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = len(_JAPANESE.findall(text)) - len(_HALF_WIDTH_KANA.findall(text)) / 2
        if score > best_score:
            best, best_score = text, score
    return best if best is not None else data.decode("cp1252", errors="replace")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode with the declared charset, falling back sensibly, never raising."""
    if b"\x1b$" in data and data.isascii() and not codec_for(charset).startswith("iso2022"):
        # JIS undeclared, or under a label Python does not know or a wrong one: 7-bit text
        # with ESC $ B in it is ISO-2022-JP whatever the label says.
        charset = "iso-2022-jp"
    if charset is None and not data.isascii():
        return guess_decode(data)
    name = codec_for(charset)
    try:
        return data.decode(name)
    except (UnicodeDecodeError, LookupError):
        pass
    if name.startswith("iso2022_jp"):
        return _decode_windows_jis(data)
    if name != "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return data.decode(name if name != "utf-8" else "cp1252", errors="replace")


def _decode_windows_jis(data: bytes) -> str:
    """ISO-2022-JP as Windows writes it (CP50220): NEC and IBM extensions such as
    circled digits, which no Python ISO-2022-JP codec knows. Each JIS pair is
    mapped to Shift_JIS and decoded as cp932."""
    out, mode = [], b"(B"
    for chunk in _JIS_SHIFT.split(data):
        if chunk.startswith(b"\x1b"):
            mode = chunk[1:]
        elif mode in (b"$@", b"$B"):
            out.append(_jis_pairs_to_sjis(chunk).decode("cp932", errors="replace"))
        elif mode == b"(I":  # half-width katakana
            out.append(bytes(b | 0x80 for b in chunk).decode("cp932", errors="replace"))
        else:
            out.append(chunk.decode("cp1252", errors="replace"))
    return "".join(out)


def _jis_pairs_to_sjis(chunk: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(chunk):
        j1, j2 = chunk[i], chunk[i + 1] if i + 1 < len(chunk) else 0
        if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
            out.append(j1 if j1 < 0x80 else 0x3F)  # a line break inside JIS mode, or junk
            i += 1
            continue
        s1 = (j1 + 1) // 2 + (0x70 if j1 <= 0x5E else 0xB0)
        s2 = j2 + (0x1F if j1 % 2 else 0x7E)
        out += bytes((s1, s2 + (1 if j1 % 2 and s2 >= 0x7F else 0)))
        i += 2
    return bytes(out)


def decode_words(value: str | None) -> str:
    """Unfold a raw header value and decode RFC 2047 encoded words, tolerantly."""
    if not value:
        return ""
    text = " ".join(str(value)[:MAX_HEADER].split())
    text = _ENCODED_GAP.sub(r"\1\2", text)  # whitespace between encoded words is not content
    return _ENCODED_WORD.sub(_decode_word, text)


def _decode_word(match: re.Match) -> str:
    charset, kind, payload = match.group(1).split("*", 1)[0], match.group(2).lower(), match.group(3)
    try:
        if kind == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(data, charset)


_ESCAPED_BYTE = re.compile(r"[\udc80-\udcff]")


def raw_headers(msg: Message, name: str) -> list[str]:
    """All raw values of one header, without asking the policy to parse them.

    Raw 8-bit bytes in a header (RFC 6532 UTF-8, or a Japanese mailer writing Shift_JIS
    unencoded) arrive as escaped surrogates; they are decoded here, once.
    """
    out = []
    for value in _raw_cache(msg)[0].get(name.lower(), ()):
        text = str(value)[:MAX_HEADER]
        if _ESCAPED_BYTE.search(text):
            text = guess_decode(text.encode("utf-8", "surrogateescape"), _charset_hint(msg))
        out.append(text)
    return out


def _raw_cache(msg: Message) -> tuple[dict[str, list], dict[str, str | None]]:
    """The message's raw header values by lower-case name, and the first values decoded
    so far (`header`), built once per message (a report's rules ask for some fifty
    headers). Built again if a header was added, removed or replaced since (the
    forwarding's redaction edits a copy it reads; replace_header() edits the list in
    place, keeping its length): the list is compared item by item, each the same object
    while unchanged."""
    held = getattr(msg, "_headers", None)
    kept = _kept(msg)
    cached = kept.get("raw")
    if cached is not None and cached[0] == held:
        return cached[1]
    index: dict[str, list] = {}
    try:
        items = msg.raw_items()
    except Exception:
        items = []
    for key, value in items:
        index.setdefault(str(key).lower(), []).append(value)
    kept["raw"] = (list(held) if isinstance(held, list) else held, (index, {}))
    return kept["raw"][1]


def raw_headers_decode(msg: Message, value: str) -> str:
    """One raw header value as `raw_headers` gives it."""
    text = str(value)[:MAX_HEADER]
    if _ESCAPED_BYTE.search(text):
        text = guess_decode(text.encode("utf-8", "surrogateescape"), _charset_hint(msg))
    return text


def _charset_hint(msg: Message) -> str | None:
    """The charset the message declares for its text: its mailer likely used it in headers too."""
    for part in walk(msg, limit=20):
        charset = param(part, "charset")
        if charset:
            return charset
    return None


def header(msg: Message | None, name: str) -> str | None:
    """First value of a header, unfolded and decoded; None when absent or empty."""
    if msg is None:
        return None
    first = _raw_cache(msg)[1]  # asked ~40 times a report: decoded once per name
    key = name.lower()
    if key not in first:
        values = raw_headers(msg, name)
        first[key] = (decode_words(values[0]).strip() or None) if values else None
    return first[key]


def headers(msg: Message | None, name: str) -> list[str]:
    if msg is None:
        return []
    return [v for v in (decode_words(x).strip() for x in raw_headers(msg, name)) if v]


_ANGLE_ADDR = re.compile(r"<\s*([^<>\s@]+@[^<>\s@]+)\s*>")
_BARE_ADDR = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def addresses(value: str | None) -> list[str]:
    """E-mail addresses in a header value, in order. Display names may contain '@'."""
    if not value:
        return []
    found = _ANGLE_ADDR.findall(value)
    if not found:
        try:
            found = [addr for _, addr in getaddresses([value]) if "@" in addr]
        except Exception:
            found = []
        if not found:
            found = _BARE_ADDR.findall(value)
    out: list[str] = []
    for addr in found:
        addr = addr.strip().strip("<>").rstrip(".;,")
        if addr and addr not in out:
            out.append(addr)
    return out


def first_address(value: str | None) -> str | None:
    found = addresses(value)
    return found[0] if found else None


# A part's Content-Type is read many times over one parse (every walk asks it again),
# and the email package parses the header anew each time. The parser never changes a
# part's headers, so the answers are kept on the part.
_READ = "_abusedesk_read"


def _kept(part: Message) -> dict:
    kept = part.__dict__.get(_READ)
    if kept is None:
        kept = part.__dict__[_READ] = {}
    return kept


def content_type(part: Message) -> str:
    kept = _kept(part)
    if "type" not in kept:
        try:
            kept["type"] = (part.get_content_type() or "text/plain").lower()
        except Exception:
            kept["type"] = "text/plain"
    return kept["type"]


def param(part: Message, name: str) -> str | None:
    """A parameter of the part's Content-Type ("charset", "boundary", "report-type")."""
    kept = _kept(part)
    if "params" not in kept:
        # All of them from one parse of the header: each get_param() parses it anew.
        try:
            pairs = part.get_params() or []
        except Exception:
            pairs = []
        params: dict[str, str | None] = {}
        for key, value in pairs:  # the first is the type itself ("text/plain", "")
            if isinstance(value, tuple):  # RFC 2231 value
                value = value[2]
            params.setdefault(str(key).lower(), str(value) if value else None)
        kept["params"] = params
    return kept["params"].get(name.lower())


def filename(part: Message) -> str | None:
    """The part's file name (Content-Disposition's, else Content-Type's "name"), or None."""
    kept = _kept(part)
    if "filename" not in kept:
        try:
            value = part.get_filename()
        except Exception:
            value = None
        kept["filename"] = str(value) if value else None
    return kept["filename"]


def part_bytes(part: Message) -> bytes:
    """The decoded body of a leaf part, or the text of an embedded message part."""
    try:
        payload = part.get_payload()
    except Exception:
        return b""
    if isinstance(payload, list):
        data = b"\n".join(message_bytes(m) for m in payload if isinstance(m, Message))
        encoding = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
        # Exchange sometimes base64-encodes message/* parts; the parser then sees
        # a headerless "message" whose body is the base64 text.
        if encoding == "base64" and not re.match(rb"[\w-]+:", data):
            return lenient_b64decode(data)[0]
        return data
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def message_bytes(msg: Message) -> bytes:
    """Serialise a (sub)message; parsed headers are written back unchanged."""
    out = BytesIO()
    try:
        BytesGenerator(out, mangle_from_=False, policy=_AS_PARSED).flatten(msg)
    except Exception:
        try:
            return msg.as_bytes(policy=policy.compat32)
        except Exception:
            return b""
    return out.getvalue()


def part_text(part: Message) -> str:
    data = part_bytes(part)[: MAX_TEXT * 2]
    encoding = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    if encoding not in ("base64", "quoted-printable") and _looks_quoted_printable(data):
        data = quopri.decodestring(data)  # labelled 7bit but written as QP, as ratware does
    return decode_bytes(data, param(part, "charset"))[:MAX_TEXT]


def _looks_quoted_printable(data: bytes) -> bool:
    sample = data[:200_000]
    return b"=3D" in sample and len(re.findall(rb"=(?:3D|20|09|\n)", sample)) >= 5


def lenient_b64decode(data: bytes | str) -> tuple[bytes, bool]:
    """Decode base64, ignoring junk and a damaged tail. Returns (bytes, was_clean)."""
    if isinstance(data, str):
        data = data.encode("ascii", "ignore")
    compact = re.sub(rb"[^A-Za-z0-9+/=_-]", b"", data).rstrip(b"=")
    compact = compact.replace(b"-", b"+").replace(b"_", b"/").replace(b"=", b"")
    clean = len(compact) % 4 != 1
    usable = compact[: len(compact) - (len(compact) % 4 == 1)]
    try:
        return base64.b64decode(usable + b"=" * (-len(usable) % 4)), clean
    except (binascii.Error, ValueError):
        return b"", False


def walk(msg: Message, limit: int = 500):
    """msg.walk() with a cap on the number of parts (defends against MIME bombs)."""
    count = 0
    try:
        for part in msg.walk():
            yield part
            count += 1
            if count >= limit:
                return
    except Exception:
        return


_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,200}?)(--)?[ \t]*$", re.MULTILINE)


def repair_boundary(msg: Message) -> Message | None:
    """A multipart message whose declared boundary never occurs: find the real one.

    Returns a re-parsed message with the boundary that the body uses, or None.
    """
    if content_type(msg).split("/")[0] != "multipart" or msg.is_multipart():
        return None
    body = part_bytes(msg)
    boundary = _used_boundary(body)
    if boundary is None:
        return None
    head = b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="' + boundary.encode() + b'"\n\n'
    repaired = parse_message(head + body)
    return repaired if repaired.is_multipart() else None


def _used_boundary(body: bytes) -> str | None:
    """The boundary the body's delimiter lines use: the first "--x" line whose x comes
    again (another delimiter or the close "--x--"), so a lone dashed rule in a preamble
    is not taken; else the first such line."""
    found = [m.group(1) for m in _BOUNDARY_LINE.finditer(body)]
    if not found:
        return None
    counts: dict[bytes, int] = {}
    for candidate in found:
        counts[candidate] = counts.get(candidate, 0) + 1
    chosen = next((c for c in found if counts[c] > 1), found[0])
    return chosen.decode("ascii", "replace")
