"""Complaints of kinds the desk's other tests do not hold, found by probing it with
crafted reports (session 25): each test is one class of real message."""

from datetime import timedelta

import pytest

from complaints.models import Report
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import attributed, message

pytestmark = pytest.mark.django_db


def _stamp(at) -> str:
    return f"{at:%a, %d %b %Y %H:%M:%S +0000}"


def customer_writes_to_us(body: str, *, subject: str, to: str = "abuse@isp.example.jp") -> bytes:
    """Our customer taro (M-1, on C-1's session) writes to the abuse mailbox through
    our submission server, the way any customer's mail program does."""
    at = HANDOVER - timedelta(minutes=30)
    lines = [
        f"Received: from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx1.isp.example.jp "
        f"(Postfix) with ESMTPS id 9Z; {_stamp(at)}",
        f"Received: from pc (unknown [198.51.100.23]) (Authenticated sender: taro) by smtp1.isp.example.jp "
        f"(Postfix) with ESMTPSA id 9Y; {_stamp(at)}",
        "From: Taro <taro@isp.example.jp>",
        f"To: {to}",
        f"Subject: {subject}",
        "Message-ID: <own-1@isp.example.jp>",
        f"Date: {_stamp(at)}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode()


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Unwanted mails every day", "I receive dozens of advertising e-mails a day. How can I make them stop?"),
        ("毎日メールが届きます", "知らない会社から毎日メールが届きます。止める方法を教えてください。"),
        ("FW: Cheap watches", "I got this today. I never signed up for it.\n\nCheap watches at 90% off!"),
    ],
)
def test_our_customer_writing_to_the_abuse_mailbox_is_never_accused(isp, subject, body):
    """No word of an abuse list and no address named: the message is still the
    customer's own path to us, never a spam they sent."""
    result = attributed(customer_writes_to_us(body, subject=subject))
    assert result["accounts"] == []
    assert "sending" not in result["roles"]
    report = Report.objects.get()
    assert report.facts["message_kind"] == "complaint"
    assert report.authenticated_as in (None, "")
    assert any("not as spam they sent" in n for n in report.facts["problems"])


def test_the_same_customer_sending_spam_to_others_is_still_read_as_spam(isp):
    """The rule is about mail written to an abuse mailbox: the same submission to
    anyone else, filed by its receiver, names the customer as before."""
    result = attributed(customer_writes_to_us("Cheap watches at 90% off!", subject="FW: Cheap watches",
                                              to="victim@receiver.example"))
    assert result["accounts"] == ["M-1", "C-1"]
    assert result["sending_method"] == "contracted_isp_server"


def test_a_spam_inside_a_report_with_a_forward_subject_is_read_as_spam(isp):
    """Spammers write "FW:" and "Fwd:" subjects too: inside a report, a spam addressed to
    an abuse@ it harvested is still the customer's spam."""
    spam = customer_writes_to_us("Cheap watches at 90% off!", subject="Fwd: invoice",
                                 to="abuse@receiver.example")
    report = (
        b"From: abuse-team@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: spam from your network\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nThis spam came from your customer.\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + spam + b"\r\n--b--\r\n"
    )
    result = attributed(report)
    assert result["accounts"] == ["M-1", "C-1"]



def _no_zone_hop(ip: str, at) -> str:
    """A Received line whose date names no zone (RFC 5322 obsolete syntax): seen on old
    and misconfigured MTAs."""
    return f"from pc (unknown [{ip}]) by mx.receiver.example with ESMTP id 7N; {at:%a, %d %b %Y %H:%M:%S}"


def test_a_time_without_a_zone_names_no_holder_when_the_address_changed_hands_near_it(isp):
    """198.51.100.23 passed from C-1 to C-2 at HANDOVER; "an hour before" written without
    a zone could be either side of it in some zone."""
    result = attributed(message([_no_zone_hop("198.51.100.23", HANDOVER - timedelta(hours=1))]))
    assert result["accounts"] == []
    assert "holder_needs_a_zone" in [s["code"] for s in result["steps"]]
    report = Report.objects.get()
    assert report.facts["occurred_at_no_zone"] is True
    assert any("names no zone" in n for n in report.facts["problems"])
    assert report.case.key == "ip:198.51.100.23"  # not the session's case


def test_a_time_without_a_zone_still_names_a_holder_who_held_the_address_all_that_span(isp):
    at = HANDOVER  # C-1's IPv6 prefix: held from a day before, still open
    result = attributed(message([_no_zone_hop("2001:db8:1000:100::1", at)]))
    assert result["accounts"] == ["C-1"]


def test_a_static_address_needs_no_zone(isp):
    result = attributed(message([_no_zone_hop("203.0.113.5", HANDOVER)]))
    assert result["accounts"] == ["C-3"]


def test_a_time_with_its_zone_is_read_as_before(isp):
    hop = _no_zone_hop("198.51.100.23", HANDOVER - timedelta(hours=1)) + " +0000"
    assert attributed(message([hop]))["accounts"] == ["C-1"]
    assert Report.objects.get().facts["occurred_at_no_zone"] is False


def _timeless(ip: str) -> bytes:
    """A trap's copy whose only Received line carries no date and which has no Date
    header: the report names an address and no time."""
    return (
        f"Received: from pc (unknown [{ip}]) by mx.receiver.example with ESMTP id 8T\r\n"
        "From: sale@spammer.example\r\nTo: trap@receiver.example\r\nSubject: Cheap pills\r\n"
        "Message-ID: <timeless@pc.invalid>\r\n\r\nBuy now http://cheap.example.net/x\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("ip", "roles", "accounts", "holder"),
    [
        ("203.0.113.5", ["sending"], ["C-3"], None),  # a static line: the plan names it
        ("198.51.100.23", ["sending"], [], None),  # a pool address: ours, holder unknown
        ("203.0.113.200", ["sending"], [], "S-9"),  # sub-allocated: its holder's
        ("198.18.0.9", ["upstream"], [], "S-9"),  # a transit customer's network
        ("192.0.2.200", ["not_ours"], [], None),  # nobody's we know: another network's
    ],
)
def test_an_address_without_a_time_is_still_read_against_the_address_plan(isp, ip, roles, accounts, holder):
    """Without a time only the session and mail logs are out of reach: our own address
    was called another network's, to be forwarded, and a static customer was missed."""
    result = attributed(_timeless(ip))
    assert Report.objects.get().occurred_at is None
    assert result["roles"] == roles
    assert result["accounts"] == accounts
    assert ((result.get("sub_allocation") or {}).get("subscriber_id")) == holder
    assert "no_time" in [s["code"] for s in result["steps"]]


def _attached(*spams: bytes) -> bytes:
    parts = b"".join(b"--b\r\nContent-Type: message/rfc822\r\n\r\n" + s + b"\r\n" for s in spams)
    return (
        b"From: shiro@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: spam again\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nTwo more spams, the second one is from your network.\r\n"
        + parts
        + b"--b--\r\n"
    )


def test_every_spam_attached_to_one_complaint_is_a_report_of_its_own(isp, django_capture_on_commit_callbacks):
    """Only the first attached spam was read: the second, from our customer, vanished
    without a word."""
    from abusedesk.models import AuditEntry
    from complaints.choices import Channel
    from complaints.services import report_ingest
    from tests.attribution.test_rules import direct

    at = HANDOVER - timedelta(hours=1)
    foreign = message([direct("192.0.2.200", at)])
    ours = message([direct("198.51.100.23", at)], msgid="<second@pc.invalid>")
    raw = _attached(foreign, ours)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:shiro@receiver.example")
    reports = list(Report.objects.order_by("id"))
    assert len(reports) == 2
    first, second = reports
    assert first.pk == complaint.report.pk and first.source_ip == "192.0.2.200"
    assert first.facts["more_reported"] == 1
    assert any("filed as a report of its own" in n for n in first.facts["problems"])
    assert second.source_ip == "198.51.100.23" and second.reporter_key == first.reporter_key
    assert second.attribution["accounts"] == ["C-1"]
    assert second.case_id != first.case_id
    entry = AuditEntry.objects.get(action="report.attached_filed")
    assert entry.data["reports"] == [second.pk]
    # filed again, nothing doubles
    with django_capture_on_commit_callbacks(execute=True):
        report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:shiro@receiver.example")
    assert Report.objects.count() == 2


def test_one_spam_attached_twice_is_one_report(isp, django_capture_on_commit_callbacks):
    from complaints.choices import Channel
    from complaints.services import report_ingest
    from tests.attribution.test_rules import direct

    spam = message([direct("198.51.100.23", HANDOVER - timedelta(hours=1))])
    with django_capture_on_commit_callbacks(execute=True):
        report_ingest(raw=_attached(spam, spam), channel=Channel.MAILBOX, reporter_key="email:x@r.example")
    assert Report.objects.count() == 1
    assert Report.objects.get().facts["more_reported"] == 0


def _from_shared_hosting(stamps: list[str]) -> bytes:
    at = HANDOVER + timedelta(minutes=5)
    raw = message(
        [
            f"from web1.hosting.example (web1.hosting.example [203.0.113.70]) by mx.receiver.example "
            f"(Postfix) with ESMTP id 5H1; {_stamp(at)}",
        ]
    )
    return raw.replace(b"From: sale@", "".join(s + "\r\n" for s in stamps).encode() + b"From: sale@", 1)


def test_web_script_stamps_naming_different_sites_name_no_tenant(isp):
    """On a shared server a script can pass its own X-PHP-Script naming another tenant;
    the server adds the real one. Which is which is unknown: nobody is named."""
    forged = "X-PHP-Script: www.shop.example.jp/wp-content/uploads/x.php for 192.0.2.150"
    real = "X-PHP-Script: other-site.example/mailer.php for 192.0.2.150"
    result = attributed(_from_shared_hosting([forged, real]))
    assert result["accounts"] == []
    assert "web_script_sites_disagree" in [s["code"] for s in result["steps"]]
    assert result["compromise"] == []
    one = attributed(_from_shared_hosting([forged]), reporter="email:b@receiver.example")
    assert one["accounts"] == ["H-1"]  # one stamp names its site, as before


def _xarf(ip: str, category: str, type_: str, at) -> dict:
    return {
        "xarf_version": "4.0.0",
        "report_id": f"r-{category}-{type_}",
        "category": category,
        "type": type_,
        "timestamp": at.isoformat(),
        "source_identifier": ip,
        "reporter": {"org": "Scan Watch", "contact": "abuse@scanwatch.example"},
    }


@pytest.mark.parametrize(("category", "type_"), [("connection", "port_scan"), ("connection", "ddos"),
                                                 ("login_attack", "login_attack")])
def test_a_report_about_no_mail_gets_no_sending_method_and_no_spam_rule(
    isp, partner, category, type_, django_capture_on_commit_callbacks
):
    """A port scan or a flood from a static line was judged by rule 3 (a self-operated
    spam server: warning under the unsolicited-mail clause)."""
    import json

    from complaints.models import Case
    from tests.personas import token_client

    body = _xarf("203.0.113.5", category, type_, HANDOVER)
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(partner[1]).post(
            "/api/v1/reports/", data=json.dumps(body), content_type="application/json"
        )
    assert response.status_code in (201, 202), response.content
    report = Report.objects.get()
    assert report.attribution["accounts"] == ["C-3"]
    assert report.attribution["sending_method"] is None
    assert "not_mail_abuse" in [s["code"] for s in report.attribution["steps"]]
    case = Case.objects.get()
    assert case.recommendation["rule"] is None
    assert not case.recommendation.get("clauses")


def test_a_malware_report_about_a_customer_is_evidence_the_machine_is_infected(
    isp, partner, django_capture_on_commit_callbacks
):
    """Rule 5: the holder of an infected machine is a victim, told how to clean it."""
    import json

    from complaints.models import Case
    from tests.personas import token_client

    body = _xarf("203.0.113.5", "malware", "malware_attack", HANDOVER)
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(partner[1]).post(
            "/api/v1/reports/", data=json.dumps(body), content_type="application/json"
        )
    assert response.status_code in (201, 202), response.content
    report = Report.objects.get()
    assert report.attribution["sending_method"] == "hijacked_host"
    assert [c["key"] for c in report.attribution["compromise"]] == ["reported_infected"]
    assert Case.objects.get().recommendation["rule"] == "5"


def test_a_spam_whose_complainant_says_it_carried_a_virus_is_still_spam(isp):
    """A person's word "virus" makes the category malware; the spam copy (its Received
    chain) is what is judged, not the sender's machine taken for infected."""
    at = HANDOVER - timedelta(hours=1)
    from tests.attribution.test_rules import direct

    spam = message([direct("203.0.113.5", at)])
    complaint = (
        b"From: p@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: virus mail\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nThis mail carried a virus.\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + spam + b"\r\n--b--\r\n"
    )
    result = attributed(complaint)
    assert result["sending_method"] == "self_operated_server"
    assert result["compromise"] == []


def test_a_chain_longer_than_the_limit_says_it_was_cut(isp):
    at = HANDOVER - timedelta(hours=1)
    hop = f"from relay.example (relay.example [192.0.2.99]) by mx.receiver.example with ESMTP id 1; {_stamp(at)}"
    attributed(message([hop] * 150))
    assert any("150 Received lines" in n for n in Report.objects.get().facts["problems"])


@pytest.mark.parametrize(
    ("category", "url", "rule", "compromised"),
    [
        ("phishing", "http://www.shop.example.jp/wp-content/uploads/2026/bank/login.php", "11", True),
        ("phishing", "http://shop.example.jp/.well-known/pki-validation/bank/index.html", "11", True),
        ("phishing", "http://shop.example.jp/login.php", "10", False),  # the owner's own page: rule 10
        # An open redirect on the site carrying the phishing link on (rule 11's "redirect").
        ("phishing", "https://shop.example.jp/wp-content/plugins/ads/go.php?u=https://paypal-verify.example/", "11", True),
        ("phishing", "https://shop.example.jp/redirect.php?url=https%3A%2F%2Fpaypal-verify.example%2F", "11", True),
        ("spam", "https://shop.example.jp/go.php?u=https://shop.example.jp/sale", "10", False),  # no phishing
        ("spam", "http://shop.example.jp/wp-content/uploads/2026/banner.jpg", "10", False),  # images live there
    ],
)
def test_a_phishing_page_planted_in_a_hosted_site_is_a_compromised_site(
    isp, partner, category, url, rule, compromised, django_capture_on_commit_callbacks
):
    import json

    from complaints.models import Case
    from tests.personas import token_client

    body = _xarf("shop.example.jp", "fraud" if category == "phishing" else "messaging",
                 "phishing" if category == "phishing" else "spam", HANDOVER)
    body["url"] = url
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(partner[1]).post(
            "/api/v1/reports/", data=json.dumps(body), content_type="application/json"
        )
    assert response.status_code in (201, 202), response.content
    attribution = Report.objects.get().attribution
    assert attribution["accounts"] == ["H-1"]
    assert bool(attribution["compromise"]) is compromised
    assert Case.objects.get().recommendation["rule"] == rule


@pytest.mark.parametrize("stamp", ["%Y-%m-%dT%H:%M:%S+09:00", "%Y-%m-%dT%H:%M:%S.000+0900", "%Y-%m-%dT%H:%M:%SZ"])
def test_an_iso_time_with_its_offset_names_the_holder(isp, partner, stamp, django_capture_on_commit_callbacks):
    """The regression the no-zone rule brought in (found by the re-probe): an offset
    written right after an ISO time was taken for no zone, and nobody was named."""
    import json
    from datetime import timedelta as td
    from datetime import timezone as tz

    from tests.personas import token_client

    at = HANDOVER - timedelta(hours=1)
    local = at.astimezone(tz(td(hours=9))) if "+09" in stamp else at
    body = _xarf("198.51.100.23", "messaging", "spam", at)
    body["timestamp"] = local.strftime(stamp)
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(partner[1]).post(
            "/api/v1/reports/", data=json.dumps(body), content_type="application/json"
        )
    assert response.status_code in (201, 202), response.content
    report = Report.objects.get()
    assert report.facts["occurred_at_no_zone"] is False
    assert report.attribution["accounts"] == ["C-1"]


def test_a_received_line_with_an_iso_date_and_offset_names_the_holder(isp):
    at = (HANDOVER - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    hop = f"from pc (unknown [198.51.100.23]) by mx.receiver.example with ESMTP id 7N; {at}"
    assert attributed(message([hop]))["accounts"] == ["C-1"]


def _forwarded_by(sender: str, inner: bytes) -> bytes:
    return (
        f"From: {sender}\r\nTo: abuse@isp.example.jp\r\nSubject: Fwd: see attached\r\n".encode()
        + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nForwarding this for the abuse team.\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--b--\r\n"
    )


def test_a_customers_question_forwarded_by_our_help_desk_is_never_spam_from_them(isp):
    question = customer_writes_to_us(
        "I receive dozens of advertising e-mails every day. How can I make them stop?",
        subject="Unwanted mails every day",
        to="support@isp.example.jp",
    )
    result = attributed(_forwarded_by("support@isp.example.jp", question))
    assert result["accounts"] == []
    assert "sending" not in result["roles"]


def test_spam_from_one_customer_to_another_forwarded_by_the_recipient_is_still_spam(isp):
    """Both at our domain, but to a person's mailbox: the classic case of a customer
    forwarding the spam another customer's hijacked account sent them."""
    spam = customer_writes_to_us("Cheap watches at 90% off!", subject="Cheap watches", to="jiro@isp.example.jp")
    result = attributed(_forwarded_by("jiro@isp.example.jp", spam))
    assert result["accounts"] == ["M-1", "C-1"]


def test_an_arf_report_carrying_two_messages_files_the_second_as_its_own(isp, django_capture_on_commit_callbacks):
    from complaints.choices import Channel
    from complaints.services import report_ingest
    from tests.attribution.test_rules import direct

    at = HANDOVER - timedelta(hours=1)
    first = message([direct("192.0.2.200", at)])
    second = message([direct("203.0.113.5", at)], msgid="<arf-second@pc.invalid>")
    arf = (
        b"From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: FW: abuse report\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n"
        b"--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\n"
        b"Version: 1\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" + first
        + b"\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" + second + b"\r\n--b--\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        report_ingest(raw=arf, channel=Channel.MAILBOX, reporter_key="email:fbl@receiver.example")
    reports = list(Report.objects.order_by("id"))
    assert [r.source_ip for r in reports] == ["192.0.2.200", "203.0.113.5"]
    assert reports[0].format == "arf" and reports[0].facts["more_reported"] == 1
    assert reports[1].attribution["accounts"] == ["C-3"]
