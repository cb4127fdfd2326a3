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
