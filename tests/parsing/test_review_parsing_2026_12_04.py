"""Review of the day's parsing: realistic mail that the listed-incident rules and the
zone letters in brackets read wrongly.

- Pasted headers whose folded Received lines start with the hop's address and carry
  the date ("Received: from host (host" / " [198.51.100.23]) by mx…; Fri, 20 Nov…")
  were filed, each hop, as an incident of its own: they are a message's path.
- A syslog line whose host is written as its address ("Nov 20 04:30:12 192.0.2.10
  kernel: DROP SRC=…") names the device that logged it, not a source.
- Blocks of fields: the fields a notice writes above each address ("URL: …") belong
  to that incident, and blocks with no blank line between them end where a field
  repeats; the second block took the first one's URL, or the next one's time.
- Lines before the list that write a clock time ("14:00:05") were taken for lines
  naming an address and left out of the context: the zone they declared was lost.
- The address read was none of a list longer than the desk files: the list was cut
  before it was counted, and 200 reports were filed where a person should look.
- A header replaced in place (replace_header) was read as it was before: the
  header cache is checked against the header list item by item.
- "Time zone: CET/CEST", "All times are EST/EDT": the pair names whichever applied
  on the day; it was read as the standard zone, an hour off in summer.
- "10:00 (IST)", "(CST)", "(BST)": letters naming zones hours apart, in brackets, were
  read as the Irish, US or British zone; they leave the time with no zone, as the
  declared zone letters do.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.parsing import mime, parse_report
from complaints.parsing.incidents import listed_incidents

A, B, C = "198.51.100.23", "203.0.113.5", "198.51.100.77"


def complaint(body: str, *, message_id: str = "<review-1@victim.example>") -> bytes:
    return (
        "From: admin@victim.example\r\nTo: abuse@isp.example.jp\r\nSubject: Abuse from your network\r\n"
        f"Date: Fri, 20 Nov 2026 12:00:00 +0000\r\nMessage-ID: {message_id}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n")
    ).encode()


def filed(raw: bytes):
    parsed = parse_report(raw)
    return parsed, [parse_report(more) for more in parsed.more_reported_raw]


@pytest.mark.parametrize(
    "body",
    [
        # Postfix writes "(name [address])"; a long name folds the address onto the next line.
        "Please stop this spam. Headers:\n\n"
        f"Received: from mail.spammer-one.example (unknown\n [{A}]) by mx.victim.example (Postfix) "
        "with ESMTP id 4AB; Fri, 20 Nov 2026 04:30:12 +0000 (UTC)\n"
        f"Received: from relay.spammer-two.example (relay.spammer-two.example\n [{B}]) by mx.victim.example "
        "(Postfix) with ESMTP id 4AC; Fri, 20 Nov 2026 04:31:12 +0000 (UTC)\n",
        # qmail's "(HELO name) (address)", folded with a tab, the whole paste indented.
        "Spam received, headers below\n"
        f"    Received: from unknown (HELO pc1)\n\t({A}) by mx.victim.example with SMTP; 20 Nov 2026 04:30:12 -0000\n"
        f"    Received: from unknown (HELO pc2)\n\t({B}) by mx.victim.example with SMTP; 20 Nov 2026 04:31:12 -0000\n",
        # A syslog relay names a device with no DNS name by its address.
        "Port scans from your network, our routers' log:\n"
        f"Nov 20 04:30:12 192.0.2.10 kernel: [UFW BLOCK] IN=eth0 SRC={A} DST=192.0.2.10 DPT=22\n"
        f"Nov 20 04:31:12 192.0.2.11 kernel: [UFW BLOCK] IN=eth0 SRC={A} DST=192.0.2.11 DPT=22\n",
        "SSH attacks from your network:\n"
        f"2026-11-20T04:30:12+00:00 192.0.2.10 sshd[101]: Failed password for root from {A} port 4000\n"
        f"2026-11-20T04:31:12+00:00 192.0.2.11 sshd[102]: Failed password for root from {A} port 4001\n",
        "Denied connections from your network:\n"
        f"Nov 20 04:30:12 192.0.2.10 %ASA-4-106023: Deny tcp src outside:{A}/4000 dst inside:192.0.2.80/22\n"
        f"Nov 20 04:31:12 192.0.2.11 %ASA-4-106023: Deny tcp src outside:{A}/4001 dst inside:192.0.2.81/22\n",
    ],
    ids=[
        "postfix-received-folded",
        "qmail-received-folded-indented",
        "syslog-host-bsd",
        "syslog-host-iso",
        "syslog-host-cisco",
    ],
)
def test_pasted_header_hops_and_syslog_hosts_are_no_incidents(body):
    assert listed_incidents(body) is None
    parsed = parse_report(complaint(body))
    assert parsed.more_reported_raw == []


@pytest.mark.parametrize(
    "body",
    [
        f"Spam sources:\n  {A}  2026-11-20 04:30:12 UTC\n  {B}  2026-11-20 04:31:12 UTC\n",
        f"2026-11-20 04:30:12 UTC  {A}  SSH: brute force\n2026-11-20 04:31:12 UTC  {B}  SSH: brute force\n",
        f"2026-11-20 04:30:12  {A}  22: ssh\n2026-11-20 04:31:12  {B}  22: ssh\n",
    ],
    ids=["indented-under-a-heading", "time-first-then-a-capitalised-label", "time-first-then-a-port"],
)
def test_lists_that_look_like_neither_stay_lists(body):
    assert [i.ip for i in listed_incidents(body).incidents] == [A, B]


def test_the_fields_above_each_address_are_that_incidents_own():
    body = f"""Phishing sites hosted in your network:

URL: http://bank-login.example/secure
IP: {A}
Detected: 2026-11-20 04:30 UTC

URL: http://other-phish.example/paypal
IP: {B}
Detected: 2026-11-20 04:31 UTC
"""
    listed = listed_incidents(body)
    assert listed.context == ["Phishing sites hosted in your network:"]
    assert listed.incidents[1].lines[0] == "URL: http://other-phish.example/paypal"
    parsed, (other,) = filed(complaint(body))
    assert parsed.source_ip == A
    assert other.source_ip == B and other.url_hosts == ["other-phish.example"]  # never the first site's
    assert other.occurred_at == datetime(2026, 11, 20, 4, 31, tzinfo=UTC)


def test_blocks_with_no_blank_line_between_keep_their_own_times():
    body = (
        "Events seen from your network:\n"
        f"Time: 2026-11-20 04:30 UTC\nIP: {A}\n"
        f"Time: 2026-11-20 04:31 UTC\nIP: {B}\n"
        f"Time: 2026-11-20 04:32 UTC\nIP: {C}\n"
    )
    listed = listed_incidents(body)
    assert [(i.ip, i.lines[0]) for i in listed.incidents] == [
        (A, "Time: 2026-11-20 04:30 UTC"),
        (B, "Time: 2026-11-20 04:31 UTC"),
        (C, "Time: 2026-11-20 04:32 UTC"),
    ]
    _parsed, others = filed(complaint(body))
    assert [(p.source_ip, p.occurred_at.minute) for p in others] == [(B, 31), (C, 32)]


def test_a_note_above_the_first_block_stays_the_notices_words():
    body = (
        f"Hello,\nNote: all times are UTC+09:00\nIP: {A}\nTime: 2026-11-20 13:30\n\n"
        f"IP: {B}\nTime: 2026-11-20 13:31\n"
    )
    listed = listed_incidents(body)
    assert listed.context == ["Hello,", "Note: all times are UTC+09:00"]
    _parsed, (other,) = filed(complaint(body))
    assert other.source_ip == B and other.occurred_at == datetime(2026, 11, 20, 4, 31, tzinfo=UTC)


def test_a_list_longer_than_what_is_filed_that_names_not_the_address_read():
    rows = [f"198.51.100.{i}  2026-11-20 04:30:12 UTC" for i in range(1, 201)] + [
        f"{B}  2026-11-20 04:30:12 UTC"
    ]
    body = "The attack came from 192.0.2.200. The hosts it talked to:\n" + "\n".join(rows) + "\n"
    parsed = parse_report(complaint(body))
    assert parsed.source_ip == "192.0.2.200"
    assert parsed.more_reported_raw == []  # the address read is none of the list's: a person looks


@pytest.mark.parametrize(
    "words",
    [
        f"Spam from {A} at 2026-11-20 10:00:00 (IST)",
        f"Spam from {A} received 20/11/2026 10:00 (IST)",
        f"Spam from {A} received 2026/11/20 12:30 (CST)",
        f"Spam from {A} on 20 November 2026 at 05:30 (BST)",
    ],
    ids=["iso-IST", "slash-IST", "slash-CST", "words-BST"],
)
def test_letters_naming_zones_hours_apart_in_brackets_give_no_zone(words):
    parsed = parse_report(complaint(words + "\n"))
    assert parsed.source_ip == A and parsed.occurred_at_no_zone


def test_other_zone_letters_in_brackets_are_still_read():
    parsed = parse_report(complaint(f"Spam from {A} on 20 November 2026 at 05:30 (CET)\n"))
    assert parsed.occurred_at == datetime(2026, 11, 20, 4, 30, tzinfo=UTC) and not parsed.occurred_at_no_zone


def test_a_header_replaced_in_place_is_read_anew():
    """replace_header() keeps the header list and its length: what was read of the
    header before is not what the message says now."""
    msg = mime.parse_message(b"From: a@example.com\r\nSubject: first\r\nX-Tag: one\r\n\r\nbody\r\n")
    assert mime.header(msg, "Subject") == "first" and mime.raw_headers(msg, "X-Tag") == ["one"]
    msg.replace_header("Subject", "second")
    msg.replace_header("X-Tag", "two")
    assert mime.header(msg, "Subject") == "second" and mime.raw_headers(msg, "X-Tag") == ["two"]
    del msg["X-Tag"]
    msg["X-Tag"] = "three"  # removed and added: the same length again
    assert mime.raw_headers(msg, "X-Tag") == ["three"]


def test_a_field_written_twice_before_the_time_is_one_incidents():
    body = (
        f"IP: {A}\nPort: 22\nPort: 23\nTime: 2026-11-20 04:30 UTC\n\n"
        f"IP: {B}\nPort: 22\nTime: 2026-11-20 04:31 UTC\n"
    )
    assert [len(i.lines) for i in listed_incidents(body).incidents] == [4, 3]


@pytest.mark.parametrize(
    "body",
    [
        f"以下の通り迷惑メールを受信しました（日本時間）。\n■送信元IPアドレス：{A}\n■受信日時：2026年11月20日 13時30分\n\n"
        f"■送信元IPアドレス：{B}\n■受信日時：2026年11月20日 13時31分\n",
        f"以下の通りです（日本時間）。\n【送信元IP】{A}\n【日時】2026/11/20 13:30\n\n【送信元IP】{B}\n【日時】2026/11/20 13:31\n",
        f"以下の通りです（日本時間）。\n※ {A} 2026/11/20 13:30\n※ {B} 2026/11/20 13:31\n",
    ],
    ids=["square-marks", "lenticular-labels", "reference-marks"],
)
def test_japanese_marks_and_bracketed_labels_list_incidents(body):
    """Japanese notices mark their items with ■ or ※ and write a label in 【】."""
    assert [i.ip for i in listed_incidents(body).incidents] == [A, B]
    parsed, (other,) = filed(complaint(body))
    assert parsed.source_ip == A
    assert other.source_ip == B and other.occurred_at == datetime(2026, 11, 20, 4, 31, tzinfo=UTC)


def test_the_notices_words_with_a_clock_time_stay_its_context():
    """A clock time ("14:00:05") looks like an IPv6 address to a loose pattern; the line
    declaring the zone was left out of each incident filed on its own."""
    body = (
        "Report generated 2026-11-20 14:00:05. All times below are CET.\n\n"
        f"{A}  2026-11-20 05:30:12\n{B}  2026-11-20 05:31:12\n"
    )
    assert listed_incidents(body).context == [
        "Report generated 2026-11-20 14:00:05. All times below are CET."
    ]
    parsed, (other,) = filed(complaint(body))
    assert parsed.occurred_at == datetime(2026, 11, 20, 4, 30, 12, tzinfo=UTC)
    assert other.source_ip == B and other.occurred_at == datetime(2026, 11, 20, 4, 31, 12, tzinfo=UTC)
    assert not other.occurred_at_no_zone


@pytest.mark.parametrize(
    "declared",
    ["Time zone: CET/CEST", "All times are EST/EDT.", "Times in PST / PDT:", "Timestamps in MEZ/MESZ:"],
    ids=["CET-CEST", "EST-EDT", "PST-PDT", "MEZ-MESZ"],
)
def test_a_standard_and_summer_zone_pair_declares_no_one_offset(declared):
    """ "CET/CEST": the zone that applied on the day, standard or summer; read as the
    standard one, a summer time was an hour off."""
    parsed = parse_report(complaint(f"{declared}\n2026-07-20 06:30:00 {A} ssh brute force\n"))
    assert parsed.source_ip == A and parsed.occurred_at_no_zone
