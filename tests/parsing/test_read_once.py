"""What one parse asks many times is read once: a part's Content-Type parameters from
one parse of the header (each get_param() parsed it anew), and the addresses a
message's words name (three of the reader's rules ask them). The answers stay the
email package's and each caller's own."""

from __future__ import annotations

from complaints.parsing import mime
from complaints.parsing.complaint import named_addresses


def test_parameters_are_the_email_packages_answers():
    part = mime.parse_message(
        b'Content-Type: multipart/report; report-type="feedback-report"; boundary="b1"; '
        b"charset*=utf-8''%E2%9C%93; REPORT-TYPE=second\r\n\r\n--b1--\r\n"
    )
    for name in ("report-type", "boundary", "charset", "name", "Report-Type"):
        expected = part.get_param(name)
        if isinstance(expected, tuple):
            expected = expected[2]
        assert mime.param(part, name) == (str(expected) if expected else None), name
    assert mime.param(part, "report-type") == "feedback-report"  # the first of two, as get_param
    assert mime.param(part, "charset") == "✓"  # RFC 2231
    assert mime.param(mime.parse_message(b"Subject: none\r\n\r\nbody\r\n"), "charset") is None


def test_each_caller_gets_its_own_list_of_the_other_addresses():
    words = "Spam from 198.51.100.7, also seen from 198.51.100.9 and 203.0.113.44."
    named, others = named_addresses(words)
    assert named == "198.51.100.7" and others == ["198.51.100.9", "203.0.113.44"]
    others.append("192.0.2.1")  # a caller adding to its list changes nobody else's
    assert named_addresses(words) == ("198.51.100.7", ["198.51.100.9", "203.0.113.44"])


def _fixture_messages():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "fixtures"
    for path in sorted(root.rglob("*.eml")):
        yield path.read_bytes()


def test_headers_read_once_are_the_default_policys_answers():
    """Every header of the fixtures' messages, fetched twice from the desk's parse, is
    what policy.default gives: the same text, class, defects and parameters."""
    import email
    from email import policy

    compared = 0
    for raw in _fixture_messages():
        data = mime.normalise_bytes(raw)
        try:
            plain = email.message_from_bytes(data, policy=policy.default)
            ours = mime.parse_message(data)
            expected = [(k, plain.get(k)) for k in plain.keys()]
        except Exception:
            continue
        for key, value in expected:
            if key.lower() == "content-type" and getattr(ours, "mended_boundary", False):
                # A boundary the body never uses is mended (mime.mend_boundaries): the
                # header then names the body's own boundary, on purpose.
                assert ours.is_multipart() and not plain.is_multipart()
                continue
            for _ in range(2):
                got = ours.get(key)
                assert str(got) == str(value), key
                # (each policy's registry makes its own classes of the same bases)
                assert type(got).__mro__[1:3] == type(value).__mro__[1:3], key
                assert [type(d) for d in got.defects] == [type(d) for d in value.defects]
                assert getattr(got, "params", None) == getattr(value, "params", None)
            compared += 1
    assert compared > 500


def test_a_part_type_is_parsed_once_however_often_it_is_asked(monkeypatch):
    from email.headerregistry import ContentTypeHeader

    calls = []
    original = ContentTypeHeader.parse.__func__

    def counting(cls, value, kwds):
        calls.append(value)
        return original(cls, value, kwds)

    monkeypatch.setattr(ContentTypeHeader, "parse", classmethod(counting))
    raw = b"Content-Type: text/plain; charset=utf-8; name=a-unique-name-7781.txt\r\n\r\nbody\r\n"
    part = mime.parse_message(raw)
    for _ in range(5):
        part.get_content_type(), part.get_param("charset"), part.get_filename()
    assert len(calls) == 1


def test_headers_are_read_again_after_a_copy_is_edited():
    """The index of a message's raw headers is built once, and again after a header is
    added or removed (the forwarding's redaction edits the copy it reads)."""
    msg = mime.parse_message(
        b"Received: from a\r\nReceived: from b\r\nTo: victim@example.net\r\n\r\nbody\r\n"
    )
    assert mime.headers(msg, "received") == ["from a", "from b"]
    assert mime.raw_headers(msg, "To") == ["victim@example.net"]
    del msg["To"]
    msg["Received"] = "from c"
    assert mime.header(msg, "To") is None
    assert mime.headers(msg, "Received") == ["from a", "from b", "from c"]


def test_a_decoded_header_is_read_again_after_the_copy_is_edited():
    msg = mime.parse_message(b"Subject: =?utf-8?b?44GC?=\r\nFrom: a@example.net\r\n\r\nbody\r\n")
    assert mime.header(msg, "subject") == "あ" and mime.header(msg, "Subject") == "あ"
    assert mime.header(msg, "X-Missing") is None
    del msg["Subject"]
    msg["Subject"] = "second"
    assert mime.header(msg, "Subject") == "second"
