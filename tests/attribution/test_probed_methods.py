"""Sending methods found mishandled by probing with crafted complaints (session 27):
each test is one class of real message."""

from datetime import timedelta

import pytest

from subscribers.services import maillog_record
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import attributed, codes

pytestmark = pytest.mark.django_db


def _ts(at) -> str:
    return f"{at:%a, %d %b %Y %H:%M:%S +0000}"


def _webmail(browser_ip: str, at, *, mid: str, local_hop: bool = True) -> bytes:
    """Roundcube-style: the browser's HTTP post, the webmail host's own MTA on localhost
    (no login stamped), then our mail server address out to the receiver."""
    lines = [
        "Received: from webmail.isp.example.jp (webmail.isp.example.jp [192.0.2.6]) by mx.receiver.example "
        f"with ESMTPS id W1; {_ts(at)}"
    ]
    if local_hop:
        lines.append(
            "Received: from webmail.isp.example.jp (localhost [127.0.0.1]) by webmail.isp.example.jp (Postfix) "
            f"with ESMTP id WQ1; {_ts(at)}"
        )
    lines.append(f"Received: from [{browser_ip}] by webmail.isp.example.jp with HTTP; {_ts(at)}")
    return (
        "\r\n".join(lines) + f"\r\nX-Originating-IP: [{browser_ip}]\r\nUser-Agent: Roundcube Webmail/1.6.5\r\n"
        "From: hanako@isp.example.jp\r\nTo: v@receiver.example\r\nSubject: deal\r\n"
        f"Message-ID: {mid}\r\nDate: Fri, 20 Nov 2026 15:30:00 +0900\r\n\r\nbuy http://cheap.example.net/\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("browser", "at"),
    [
        ("198.51.100.23", HANDOVER - timedelta(minutes=20)),  # C-1's line (S-1), not hanako's (S-2)
        ("203.0.113.5", HANDOVER),  # C-3's static line
        ("192.0.2.220", HANDOVER + timedelta(hours=1)),  # abroad
    ],
)
def test_webmail_spam_names_the_mail_account_not_the_browsers_line(isp, browser, at):
    """Our webmail sends only for a signed-in user: method 1 on hanako's mail account,
    whoever's line the browser was on. Before, without a login stamp in the hops, the
    browser's line was taken for a self-operated mail server (rule 3 or 4 against
    another customer), or, from abroad, for POP-before-SMTP at another ISP (rule 8)."""
    mid = f"<wm-{browser}@isp.example.jp>"
    maillog_record(
        kind="submission", service="smtp", login="hanako", client_ip="127.0.0.1", at=at,
        host="webmail1", queue_id="WQ1", message_id=mid,
    )  # fmt: skip
    result = attributed(_webmail(browser, at, mid=mid))
    assert result["roles"] == ["sending"]
    assert result["sending_method"] == "contracted_isp_server"
    assert result["accounts"] == ["M-2"]
    assert "maillog_confirms" in codes(result)
    assert "direct_to_foreign_mx" not in codes(result) and "pop_before_smtp" not in codes(result)
    if browser != "192.0.2.220":
        assert "client_line_of_another_customer" in codes(result)


def test_webmail_from_the_holders_own_line_names_both(isp):
    """taro (S-1) on his own line C-1: one customer, both accounts, as for SMTP AUTH."""
    at = HANDOVER - timedelta(minutes=20)
    mid = "<wm-own@isp.example.jp>"
    maillog_record(
        kind="submission", service="smtp", login="taro", client_ip="127.0.0.1", at=at,
        host="webmail1", queue_id="WQ9", message_id=mid,
    )  # fmt: skip
    result = attributed(_webmail("198.51.100.23", at, mid=mid).replace(b"hanako@", b"taro@"))
    assert result["sending_method"] == "contracted_isp_server"
    assert result["accounts"] == ["M-1", "C-1"]


def _fbl(source_ip: str, at, n: int) -> bytes:
    spam = (
        f"Received: from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver{n}.example "
        f"with ESMTPS id 3C{n}; {_ts(at)}\r\n"
        f"Received: from pc (unknown [198.51.100.23]) (Authenticated sender: taro) by smtp1.isp.example.jp "
        f"(Postfix) with ESMTPSA id 4F2A1C3D; {_ts(at)}\r\n"
        f"From: taro@isp.example.jp\r\nTo: u@receiver{n}.example\r\nSubject: x\r\n"
        "Message-ID: <run-1@pc.invalid>\r\nDate: Fri, 20 Nov 2026 14:00:00 +0900\r\n\r\nbuy http://cheap.example.net/\r\n"
    )
    return (
        f"From: fbl@receiver{n}.example\r\nTo: fbl@isp.example.jp\r\nSubject: abuse report\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\nSource-IP: {source_ip}\r\n"
        f"Arrival-Date: {_ts(at)}\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n{spam}--b--\r\n"
    ).encode()


@pytest.mark.parametrize("source_ip", ["192.0.2.5", "198.51.100.23"])
def test_a_feedback_loop_naming_our_submission_server_is_evidence_against_the_login(
    isp, source_ip, django_capture_on_commit_callbacks
):
    """RFC 5965's Source-IP is the host that connected to the receiver: our smtp1, which
    the copy's chain shows taking taro's authenticated submission. Taken for a field
    the copy contradicts, it made every such FBL report E0 (three of them no measure);
    a report naming the client itself was read as before."""
    from complaints.models import Case, Report

    at = HANDOVER - timedelta(minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            result = attributed(_fbl(source_ip, at, n), reporter=f"email:fbl@receiver{n}.example")
    report = Report.objects.order_by("-pk").first()
    assert not report.facts.get("source_disagreement")
    assert "field_disagrees_with_copy" not in codes(result)
    assert result["sending_method"] == "contracted_isp_server" and result["accounts"][0] == "M-1"
    case = Case.objects.get()
    assert case.recommendation["rule"] == "1" and case.evidence_level == "E2"


def test_a_source_field_naming_a_host_the_chain_never_passed_still_disagrees(isp):
    """The field names an address that is not on the copy's trusted chain: as before."""
    from complaints.models import Report

    at = HANDOVER - timedelta(minutes=30)
    attributed(_fbl("203.0.113.5", at, 1), reporter="email:fbl@receiver1.example")
    assert Report.objects.get().facts["source_disagreement"] is True


def test_a_static_mta_relaying_an_outsiders_mail_is_not_called_intentional(isp, django_capture_on_commit_callbacks):
    """C-3's own server took the spam from a foreign address without a login and sent it
    on: an open relay, or a forwarder, until a person tests it. Three reporters made it
    rule 3 with culpability "intentional", the road to L6 and L7 and to the repeat-
    offender count; the holder is undetermined (treated as a victim) until then."""
    from complaints.models import Case

    with django_capture_on_commit_callbacks(execute=True):
        for i, reporter in enumerate(["email:a@x.example", "email:b@y.example", "email:c@z.example"]):
            at = HANDOVER + timedelta(hours=1, minutes=i)
            spam = (
                f"Received: from mail.c3-office.example (mail.c3-office.example [203.0.113.5]) by mx.receiver.example "
                f"with ESMTP id R{i}; {_ts(at)}\r\n"
                f"Received: from unknown (HELO abc) ([192.0.2.177]) by mail.c3-office.example (Postfix) with SMTP "
                f"id X{i}; {_ts(at)}\r\n"
                f"From: a@spam.example\r\nTo: v@receiver.example\r\nSubject: x\r\nMessage-ID: <r{i}@spam.example>\r\n"
                "Date: Fri, 20 Nov 2026 15:30:00 +0900\r\n\r\nbuy http://cheap.example.net/\r\n"
            ).encode()
            result = attributed(spam, reporter=reporter)
    assert result["accounts"] == ["C-3"] and "relayed_for_outsider" in codes(result)
    recommendation = Case.objects.get().recommendation
    assert recommendation["culpability"] == "undetermined"
    assert "culpability.untested_relay" in recommendation["culpability_reasons"]


def test_a_static_mta_sending_its_own_spam_is_still_intentional_at_e2(isp, django_capture_on_commit_callbacks):
    from complaints.models import Case
    from tests.attribution.test_rules import direct, message

    with django_capture_on_commit_callbacks(execute=True):
        for i, reporter in enumerate(["email:a@x.example", "email:b@y.example", "email:c@z.example"]):
            attributed(message([direct("203.0.113.5", HANDOVER + timedelta(hours=1, minutes=i))]), reporter=reporter)
    assert Case.objects.get().recommendation["culpability"] == "intentional"


def _hops(*lines: str) -> bytes:
    from tests.attribution.test_rules import message

    return message(list(lines))


@pytest.mark.parametrize(
    ("helo", "rdns"),
    [
        ("smtp1.isp.example.jp", "bulk.elsewhere.example"),  # calls itself our submission server
        ("mail.other-isp.example", "bulk.elsewhere.example"),  # the line's by-name only in its HELO
        ("mail.other-isp.example", "unknown"),  # the receiver could not name it at all
    ],
)
def test_a_line_below_a_foreign_host_is_read_only_when_that_host_wrote_it(isp, helo, rdns):
    """A foreign host's HELO is its own word: above a forged line "by" that name saying
    our customer logged in, it named C-1 (rule 9, forwarded to a "relaying ISP"). Only
    the name the receiver looked up (or a HELO of the same organisation) ties the line
    below to the host; a host calling itself one of our servers is a joe job."""
    at = f"{HANDOVER - timedelta(seconds=1):%a, %d %b %Y %H:%M:%S +0000}"
    result = attributed(_hops(
        f"from {helo} ({rdns} [192.0.2.177]) by mx.receiver.example (Postfix) with ESMTP id 1A; {at}",
        f"from pc (unknown [198.51.100.23]) (Authenticated sender: taro) by {helo} (Postfix) with ESMTPSA id 4F; {at}",
    ))  # fmt: skip
    assert result["accounts"] == [] and result["sending_method"] != "other_isp_server"
    assert "submitted_to_other_isp" not in codes(result)


def test_another_isps_server_named_by_helo_and_rdns_of_one_organisation_is_read(isp):
    """mx01.other-isp.example says HELO mail.other-isp.example and writes its own line as
    that: one organisation, so its line naming our customer is still read."""
    at = f"{HANDOVER + timedelta(minutes=1):%a, %d %b %Y %H:%M:%S +0000}"
    result = attributed(_hops(
        f"from mail.other-isp.example (mx01.other-isp.example [192.0.2.19]) by mx.receiver.example with ESMTPS id 7F; {at}",
        f"from pc (unknown [198.51.100.23]) (Authenticated sender: x@other-isp.example) by mail.other-isp.example "
        f"with ESMTPSA id 8G; {at}",
    ))  # fmt: skip
    assert result["sending_method"] == "other_isp_server" and result["accounts"] == ["C-2"]


def test_a_customers_own_server_greeting_with_its_own_name_is_not_hijacked(isp):
    """C-3's static server says HELO with its own reverse name (under our domain) to our MX:
    that is no claim to be our server, and no sign of a hijacked machine (it was rule 5, a
    victim's L1, where rule 3 applies)."""
    at = f"{HANDOVER:%a, %d %b %Y %H:%M:%S +0000}"
    result = attributed(_hops(
        f"from static5.isp.example.jp (static5.isp.example.jp [203.0.113.5]) by mx1.isp.example.jp (Postfix) "
        f"with ESMTP id 77AB for <hanako@isp.example.jp>; {at}",
    ))  # fmt: skip
    assert result["accounts"] == ["C-3"]
    assert result["sending_method"] == "self_operated_server" and not result.get("probable_victim")
