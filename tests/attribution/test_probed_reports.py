"""Reports of kinds found by probing the desk with crafted complaints (session 26):
each test is one class of real message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Report
from tests.attribution.test_rules import attributed, codes, direct, message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ahead", [timedelta(days=7), timedelta(days=400), timedelta(hours=2)])
def test_a_spam_time_after_the_report_arrived_names_nobody(isp, ahead):
    """A receiver's clock set a week or a year ahead (or a time written to aim at
    whoever holds a dynamic address today): 198.51.100.23 is C-2's now, in an open
    session, and C-2 must not be named for a spam reported before it was "sent"."""
    result = attributed(message([direct("198.51.100.23", timezone.now() + ahead)]))
    assert result["accounts"] == []
    assert "time_after_arrival" in codes(result)
    report = Report.objects.get()
    assert report.occurred_at is None
    assert report.facts["occurred_at_after_arrival"]
    assert any("after the report reached us" in n for n in report.facts["problems"])
    assert report.case.key == "ip:198.51.100.23"  # not today's session's case


def test_a_receiver_clock_a_few_minutes_fast_is_still_read(isp):
    """Clocks drift by minutes: a time just after arrival is the spam's."""
    result = attributed(message([direct("198.51.100.23", timezone.now() + timedelta(minutes=5))]))
    assert result["accounts"] == ["C-2"]
    assert Report.objects.get().facts["occurred_at_after_arrival"] is None


def test_an_address_with_a_timeless_account_is_still_named_with_a_late_time(isp):
    """The static line's holder does not depend on the time."""
    result = attributed(message([direct("203.0.113.5", timezone.now() + timedelta(days=7))]))
    assert result["accounts"] == ["C-3"]


def _arf(feedback_type: str, spam: bytes, sender: str = "fbl@receiver.example", extra: str = "") -> bytes:
    return (
        f"From: FBL <{sender}>\r\nTo: abuse@isp.example.jp\r\nSubject: FBL report\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nA feedback report.\r\n"
        "--b1\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: {feedback_type}\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n{extra}\r\n"
        "--b1\r\nContent-Type: message/rfc822\r\n\r\n"
    ).encode() + spam + b"\r\n--b1--\r\n"


def _file(raw: bytes, reporter: str, capture):
    from complaints.choices import Channel
    from complaints.services import report_ingest

    with capture(execute=True):
        report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False).report
    report.refresh_from_db()
    return report


def test_not_spam_feedback_never_counts_as_a_complaint(isp, django_capture_on_commit_callbacks):
    """A "not-spam" ARF report says a recipient took the message out of a spam folder:
    three of them, or two complaints and one of them, are not three reporters."""
    from datetime import timedelta as td

    from tests.attribution.conftest import HANDOVER

    at = HANDOVER - td(hours=1)
    capture = django_capture_on_commit_callbacks
    for n in range(3):
        report = _file(_arf("not-spam", message([direct("203.0.113.5", at)])), f"email:fbl{n}@r{n}.example", capture)
    assert report.category == "not-spam"
    assert any("not-spam feedback" in p for p in report.facts["problems"])
    # Nobody complained: no case is opened, the report is attributed all the same.
    assert report.case_id is None and report.attribution["accounts"] == ["C-3"]
    from complaints.models import Case

    assert not Case.objects.exists()
    for n in range(2):
        complaint = _file(_arf("abuse", message([direct("203.0.113.5", at)])), f"email:real{n}@x{n}.example", capture)
    # A not-spam report about a resource with an open case joins it, and is not counted.
    late = _file(_arf("not-spam", message([direct("203.0.113.5", at)])), "email:fbl9@r9.example", capture)
    case = complaint.case
    assert late.case_id == case.pk
    case.refresh_from_db()
    assert case.evidence_level == "E1", case.recommendation  # two reporters, not three


def test_a_virus_feedback_report_from_a_connection_is_an_infected_machine(isp, django_capture_on_commit_callbacks):
    """An FBL's "virus" report: the message carried malware, straight from a static
    line to the receiver's MX: rule 5 (a victim), not rule 3's warning."""
    from datetime import timedelta as td

    from tests.attribution.conftest import HANDOVER

    at = HANDOVER - td(hours=1)
    report = _file(_arf("virus", message([direct("203.0.113.5", at)])), "email:fbl@r.example",
                   django_capture_on_commit_callbacks)
    assert report.attribution["accounts"] == ["C-3"]
    assert report.attribution["sending_method"] == "hijacked_host"
    assert "sent_malware" in codes(report.attribution)
    case = report.case
    case.refresh_from_db()
    assert case.recommendation["rule"] == "5", case.recommendation


def _spamcop(n: int, spam: bytes) -> bytes:
    return (
        f"From: {7654321100 + n}@reports.spamcop.net\r\nTo: abuse@isp.example.jp\r\n"
        f"Subject: [SpamCop (203.0.113.5) id:{7654321100 + n}]Cheap pills\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
        "[ SpamCop V5.4.0 ]\r\nThis message is brief for your comfort.\r\n"
        "Email from 203.0.113.5 / Fri, 20 Nov 2026 04:30:00 GMT\r\n\r\n[ Offending message ]\r\n"
    ).encode() + spam


@pytest.mark.parametrize(
    "senders",
    [
        # One person writing from their address with and without a sub-address tag.
        ["taro.y@receiver.example", "Taro.Y+abuse@receiver.example", "taro.y+spam@receiver.example"],
    ],
)
def test_one_person_writing_from_tagged_addresses_is_one_reporter(isp, django_capture_on_commit_callbacks, senders):
    from datetime import timedelta as td

    from tests.attribution.conftest import HANDOVER

    at = HANDOVER - td(hours=1)
    for sender in senders:
        report = _file(message([direct("203.0.113.5", at)]), f"email:{sender}", django_capture_on_commit_callbacks)
    case = report.case
    case.refresh_from_db()
    assert case.evidence_level == "E1", case.recommendation


def test_spamcop_reports_count_as_one_reporter_the_service(isp, django_capture_on_commit_callbacks):
    """SpamCop files each report from a number of its own: three reports are not known
    to be three people."""
    from datetime import timedelta as td

    from tests.attribution.conftest import HANDOVER

    at = HANDOVER - td(hours=1)
    for n in range(3):
        report = _file(
            _spamcop(n, message([direct("203.0.113.5", at + td(minutes=n))])),
            f"email:{7654321100 + n}@reports.spamcop.net",
            django_capture_on_commit_callbacks,
        )
    assert report.format == "spamcop"
    case = report.case
    case.refresh_from_db()
    assert case.evidence_level == "E1", case.recommendation
    # A third party's complaint besides them makes two reporters, still not three.
    _file(message([direct("203.0.113.5", at)]), "email:someone@else.example", django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.evidence_level == "E1", case.recommendation
    _file(message([direct("203.0.113.5", at)]), "email:third@other.example", django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.evidence_level == "E2", case.recommendation


def test_a_partner_by_api_and_by_mail_from_its_contact_address_is_one_reporter(
    isp, django_capture_on_commit_callbacks
):
    from datetime import timedelta as td

    from complaints.choices import Channel
    from complaints.services import report_ingest
    from complaints.services.partners import partner_create
    from tests.attribution.conftest import HANDOVER

    partner, _token = partner_create(name="Receiver2 FBL", contact_email="FBL@receiver2.example")
    at = HANDOVER - td(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        report_ingest(
            raw=message([direct("203.0.113.5", at)]), channel=Channel.API, reporter_key="partner:Receiver2 FBL",
            content_type="message/rfc822", partner=partner, acknowledge=False,
        )
    _file(message([direct("203.0.113.5", at)]), "email:fbl@receiver2.example", django_capture_on_commit_callbacks)
    report = _file(message([direct("203.0.113.5", at)]), "email:other@x.example", django_capture_on_commit_callbacks)
    case = report.case
    case.refresh_from_db()
    assert case.report_count == 3
    assert case.evidence_level == "E1", case.recommendation


def test_a_forward_never_goes_to_the_advertised_sites_own_domain(isp):
    """Foreign spam whose origin has no reverse name and no registry entry: abuse@ of the
    advertised site's domain is the spammer's own mailbox; no contact is guessed."""
    from tests.attribution.conftest import HANDOVER

    result = attributed(message([direct("192.0.2.177", HANDOVER)], url="http://cheap-deals.example.net/buy"))
    assert result["roles"] == ["not_ours"]
    assert result["abuse_contact"] is None


def test_an_advertised_host_in_the_contact_registry_still_gives_its_networks_contact(isp):
    from complaints.models import NetworkContact
    from tests.attribution.conftest import HANDOVER

    NetworkContact.objects.create(name="Big Hoster", domain="bighoster.example", abuse_email="abuse@bighoster.example")
    result = attributed(message([direct("192.0.2.177", HANDOVER)], url="http://site9.bighoster.example/buy"))
    assert result["abuse_contact"]["email"] == "abuse@bighoster.example"


def _from_web_server(extra: str) -> bytes:
    from tests.attribution.conftest import HANDOVER

    hop = direct("203.0.113.70", HANDOVER - timedelta(hours=1), helo="web3.isp.example.jp")
    raw = message([hop]).decode()
    return raw.replace("From: sale@spammer.example", extra + "\r\nFrom: sale@spammer.example").encode()


@pytest.mark.parametrize(
    ("stamps", "accounts"),
    [
        ("X-PHP-Originating-Script: 1020:post.php(3) : eval()'d code", []),
        (
            "X-PHP-Script: www.shop.example.jp/index.php for 192.0.2.77\r\n"
            "X-PHP-Originating-Script: 1020:index.php(1) : eval()'d code",
            ["H-1"],
        ),
    ],
)
def test_mail_from_code_a_script_built_at_run_time_is_a_compromised_site(isp, stamps, accounts):
    """PHP names code run through eval() "file(line) : eval()'d code": the obfuscated
    injected mailer of a compromised site, not its owner (rule 7), and never a
    self-operated mail server."""
    result = attributed(_from_web_server(stamps))
    assert result["accounts"] == accounts
    assert result["sending_method"] == "hijacked_host"
    assert "script_ran_injected_code" in codes(result)
    assert [c["key"] for c in result["compromise"]] == ["compromised_site"]


def test_an_owner_script_without_run_time_code_is_not_called_compromised(isp):
    result = attributed(_from_web_server("X-PHP-Script: www.shop.example.jp/newsletter.php for 192.0.2.77"))
    assert result["accounts"] == ["H-1"]
    assert result["compromise"] == []


@pytest.mark.parametrize(
    "marks",
    [
        "Auto-Submitted: auto-replied",
        "X-Autoreply: yes",
        "Precedence: auto_reply",
        "X-Auto-Response-Suppress: All",  # Exchange's out-of-office, with its subject
    ],
)
def test_an_out_of_office_reply_quoting_our_mail_is_no_complaint(isp, marks):
    """A vacation responder answers our reply to a complainant and quotes it, address
    and all: nobody complained, and no case is opened against the address it quotes."""
    raw = (
        "From: tanaka@partnerco.example\r\nTo: abuse@isp.example.jp\r\n"
        "Subject: Out of Office: Re: Your report about 198.51.100.23\r\n"
        f"Date: Fri, 20 Nov 2026 12:00:00 +0000\r\nMessage-ID: <ooo1@partnerco.example>\r\n{marks}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "I am out of the office until 30 November.\r\n\r\n"
        "> We received spam from 198.51.100.23 on 20 Nov 2026 05:00 UTC.\r\n"
    ).encode()
    result = attributed(raw)
    report = Report.objects.get()
    assert report.status == "manual_triage"
    assert "automatic reply" in report.status_reason
    assert report.source_ip is None and result["accounts"] == []
    assert report.case_id is None


def test_our_customer_advertising_another_customers_hosted_site_is_still_named(
    isp, django_capture_on_commit_callbacks
):
    """C-1 (S-1) sends spam for shop.example.jp, which we host for S-4 (H-1): naming
    both made two parties and E0 for both; the sender stays named, the site is told."""
    from tests.attribution.conftest import HANDOVER

    at = HANDOVER - timedelta(hours=1)
    for n in range(3):
        report = _file(
            message([direct("198.51.100.23", at)], url="http://www.shop.example.jp/sale"),
            f"email:r{n}@receiver{n}.example",
            django_capture_on_commit_callbacks,
        )
    assert report.attribution["accounts"] == ["C-1"]
    assert "hosting" not in report.attribution["roles"]
    step = next(s for s in report.attribution["steps"] if s["code"] == "advertised_site_of_another_customer")
    assert (step["host"], step["site_account"]) == ("www.shop.example.jp", "H-1")
    case = report.case
    case.refresh_from_db()
    assert case.accounts == ["C-1"]
    assert case.evidence_level == "E2", case.recommendation


def test_a_customer_advertising_their_own_hosted_site_is_one_party_in_both_roles(isp):
    from subscribers.models import Account
    from subscribers.services import account_upsert

    account_upsert(account_id="H-3", subscriber_id="S-3", kind="hosting", identifier="own-shop.example.jp")
    assert Account.objects.filter(account_id="H-3").exists()
    from tests.attribution.conftest import HANDOVER

    result = attributed(message([direct("203.0.113.5", HANDOVER)], url="http://own-shop.example.jp/"))
    assert set(result["accounts"]) == {"C-3", "H-3"}
    assert set(result["roles"]) == {"sending", "hosting"}


def _forwarded_by_our_user(inner: bytes, n: int) -> bytes:
    """Our user taro forwards a message as an attachment through our submission server."""
    from tests.attribution.conftest import HANDOVER

    at = f"{HANDOVER:%a, %d %b %Y %H:%M:%S +0000}"
    return (
        f"Received: from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx1.isp.example.jp "
        f"(Postfix) with ESMTPS id F{n}; {at}\r\n"
        f"Received: from pc (unknown [198.51.100.23]) (Authenticated sender: taro) by smtp1.isp.example.jp "
        f"(Postfix) with ESMTPSA id E{n}; {at}\r\n"
        f"From: Taro <taro@isp.example.jp>\r\nTo: helpdesk{n}@receiver.example\r\nSubject: Fwd: spam\r\n"
        f"Message-ID: <fwd-{n}@isp.example.jp>\r\nDate: {at}\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\nContent-Type: text/plain\r\n\r\n'
        f"Please look at this spam.\r\n--b{n}\r\nContent-Type: message/rfc822\r\n\r\n"
    ).encode() + inner + f"\r\n--b{n}--\r\n".encode()


@pytest.mark.parametrize(("levels", "reached"), [(5, True), (9, False)])
def test_a_deeply_nested_forward_never_accuses_a_forwarder(isp, levels, reached):
    """Help desks forward forwards: five levels deep the spam (C-3's static line) is
    still read; deeper than is read, no forwarder (our own user taro among them) is
    taken for the sender: a person looks."""
    from tests.attribution.conftest import HANDOVER

    raw = message([direct("203.0.113.5", HANDOVER - timedelta(hours=1))])
    for n in range(levels):
        raw = _forwarded_by_our_user(raw, n)
    result = attributed(raw)
    report = Report.objects.get()
    assert "M-1" not in result["accounts"] and "C-1" not in result["accounts"]
    if reached:
        assert result["accounts"] == ["C-3"]
    else:
        assert report.status == "manual_triage" and "nested more than" in report.status_reason
        assert result["accounts"] == []


def _prose(text: str, date: str = "Fri, 20 Nov 2026 12:00:00 +0000") -> bytes:
    return (
        f"From: person@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: spam report\r\n"
        f"Date: {date}\r\nMessage-ID: <prose@receiver.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode() + text.encode() + b"\r\n"


@pytest.mark.parametrize(
    "text",
    [
        "We received spam from 198.51.100.23 at 2026-11-20 05:10 ET.",  # a zone we cannot read
        "我们于2026年11月20日 05:10（北京时间）收到来自 198.51.100.23 的垃圾邮件。",  # Chinese: no JST
        "Spam kam von 198.51.100.23 am 2026-11-20 05:10.",  # no zone at all
    ],
)
def test_a_prose_time_without_a_readable_zone_names_no_holder_near_a_handover(isp, text):
    """198.51.100.23 passed from C-1 to C-2 at 05:30 UTC: a wall-clock 05:10 in an
    unknown zone could be either side of it."""
    result = attributed(_prose(text))
    assert result["accounts"] == [], result["steps"]
    assert Report.objects.get().facts["occurred_at_no_zone"] is True


def test_a_japanese_prose_time_is_read_as_jst_as_before(isp):
    """Our customers write JST wall-clock times: 14:10 JST is 05:10 UTC, C-1's."""
    result = attributed(_prose("2026年11月20日 14:10 に 198.51.100.23 から迷惑メールが届きました。"))
    assert result["accounts"] == ["C-1"]


def test_the_complaints_own_date_is_no_trusted_time_for_the_spam(isp):
    """No time named: the complaint's Date (after the handover) is when it was written,
    not when the spam came; nobody is named on the dynamic address."""
    result = attributed(_prose("Spam from 198.51.100.23, please stop it.", date="Fri, 20 Nov 2026 06:00:00 +0000"))
    assert result["accounts"] == []
    assert "holder_needs_a_trusted_time" in codes(result)


def _bounce(inner: bytes, *, declared: bool = True) -> bytes:
    ctype = 'multipart/report; report-type=delivery-status; boundary="n"' if declared else 'multipart/mixed; boundary="n"'
    return (
        "Return-Path: <>\r\nFrom: postmaster@corpc.example\r\nTo: abuse@isp.example.jp\r\n"
        "Subject: Undeliverable: Special offer\r\nMessage-ID: <ndr1@corpc.example>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {ctype}\r\n\r\n"
        "--n\r\nContent-Type: text/plain\r\n\r\nDelivery has failed to these recipients.\r\n"
        "--n\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.corpc.example\r\n\r\n"
        "Final-Recipient: rfc822; nobody@corpc.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--n\r\nContent-Type: message/rfc822\r\n\r\n"
    ).encode() + inner + b"\r\n--n--\r\n"


@pytest.mark.parametrize("declared", [True, False])
def test_a_bounce_delivered_to_the_abuse_mailbox_is_no_complaint(isp, django_capture_on_commit_callbacks, declared):
    """Exchange's and Postfix's bounces carry no Auto-Submitted header: the delivery
    status part says what they are. Two complaints and two bounces are two reporters."""
    from tests.attribution.conftest import HANDOVER

    at = HANDOVER - timedelta(hours=1)
    capture = django_capture_on_commit_callbacks
    for n in range(2):
        report = _file(message([direct("203.0.113.5", at)]), f"email:c{n}@recv{n}.example", capture)
    for n in range(2):
        bounce = _file(_bounce(message([direct("203.0.113.5", at)]), declared=declared),
                       f"email:postmaster@corp{n}.example", capture)
        assert bounce.status == "manual_triage" and "bounce" in bounce.status_reason
        assert bounce.case_id is None
    case = report.case
    case.refresh_from_db()
    assert case.evidence_level == "E1", case.recommendation


def test_an_html_only_complaints_signature_links_name_no_hosted_customer(isp):
    """An HTML complaint's hrefs are its signature's and its mail program's (Outlook's
    Safe Links wraps each): they are not read, and no customer of ours is named by them.
    (Its words are read as before: a link pasted as text is collected.)"""
    safe = "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.shop.example.jp%2F&data=x"
    raw = (
        b"From: Ken <ken@corp.example.com>\r\nTo: abuse@isp.example.jp\r\nSubject: Spam complaint\r\n"
        b"Date: Fri, 20 Nov 2026 11:00:00 +0000\r\nMessage-ID: <c210c@corp.example.com>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>We keep receiving spam from your network.</p><p>--<br>Ken, "
        b'<a href="' + safe.encode() + b'">our partner</a></p></body></html>\r\n'
    )
    result = attributed(raw)
    assert result["accounts"] == []


def test_a_click_trackers_destination_is_an_advertised_site(isp):
    """Spam links through a tracker or redirector (l.php?u=https%3A%2F%2F…): the site
    behind it is what the spam advertises."""
    from tests.attribution.conftest import HANDOVER

    url = "https://l.social.example/l.php?u=https%3A%2F%2Fwww.shop.example.jp%2Fsale&h=AT0"
    result = attributed(message([direct("192.0.2.177", HANDOVER)], url=url))
    assert result["accounts"] == ["H-1"] and "hosting" in result["roles"]


def test_a_source_field_its_own_copy_contradicts_is_not_evidence(isp, django_capture_on_commit_callbacks):
    """An ARF report says Source-IP 203.0.113.5 (C-3's static line) while the message it
    carries came from 192.0.2.177: the field still names the holder, but three such
    reports are not E2 against C-3, and the copy's origin line is not read as C-3's."""
    from tests.attribution.conftest import HANDOVER

    at = HANDOVER - timedelta(hours=1)
    for n in range(3):
        report = _file(
            _arf("abuse", message([direct("192.0.2.177", at, helo="user-pc")]), extra="Source-IP: 203.0.113.5\r\n"),
            f"email:fbl{n}@r{n}.example",
            django_capture_on_commit_callbacks,
        )
    a = report.attribution
    assert a["accounts"] == ["C-3"] and a["origin"]["disputed"] is True
    assert "field_disagrees_with_copy" in codes(a)
    assert "helo_bare_name" not in codes(a)  # the other address's greeting
    case = report.case
    case.refresh_from_db()
    assert case.evidence_level == "E0", case.recommendation


def test_a_source_field_its_copy_agrees_with_counts_as_before(isp, django_capture_on_commit_callbacks):
    from tests.attribution.conftest import HANDOVER

    at = HANDOVER - timedelta(hours=1)
    report = _file(
        _arf("abuse", message([direct("203.0.113.5", at)]), extra="Source-IP: 203.0.113.5\r\n"),
        "email:fbl@r.example",
        django_capture_on_commit_callbacks,
    )
    assert "disputed" not in report.attribution["origin"]
    case = report.case
    case.refresh_from_db()
    assert case.evidence_level == "E1", case.recommendation


@pytest.mark.parametrize(
    "url",
    [
        "https://esp.example/unsubscribe?list=9&return=https%3A%2F%2Fwww.shop.example.jp%2F",
        "https://login.bank-phish.example/signin?continue=https://www.shop.example.jp/account",
        "https://tracker.example/c?ref=https://www.shop.example.jp/",
    ],
)
def test_a_site_named_only_as_a_links_return_address_is_not_advertised(isp, url):
    """Only where a redirector sends the reader (u=, url=, to=…) is an advertised site;
    where a link comes back to (return=, continue=, ref=) names nobody of ours."""
    from tests.attribution.conftest import HANDOVER

    result = attributed(message([direct("192.0.2.177", HANDOVER)], url=url))
    assert result["accounts"] == [] and "hosting" not in result["roles"]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.shop.example.jp/?utm_source=https://paypal-verify.example/",  # the home page
        "https://www.shop.example.jp/go.php?u=https://www.shop.example.jp/help",  # to its own pages
    ],
)
def test_a_url_parameter_on_a_hosted_site_is_no_open_redirect_unless_it_leads_elsewhere(
    isp, partner, url, django_capture_on_commit_callbacks
):
    """Disabling "the path" of a home page would take the whole site down on a phisher's
    say-so: only a script sending readers to another organisation is misused (rule 11)."""
    import json

    from complaints.models import Case
    from tests.attribution.conftest import HANDOVER
    from tests.attribution.test_unseen_complaints import _xarf
    from tests.personas import token_client

    body = _xarf("shop.example.jp", "fraud", "phishing", HANDOVER)
    body["url"] = url
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(partner[1]).post("/api/v1/reports/", data=json.dumps(body),
                                                  content_type="application/json")
    assert response.status_code in (201, 202), response.content
    assert Report.objects.get().attribution["compromise"] == []
    assert Case.objects.get().recommendation["rule"] == "10"


def test_a_person_forwarding_a_bounce_as_it_came_is_a_complaint(isp):
    """Jane's mail program kept the bounce's report structure; she writes about it from
    her own address: read as her complaint, the spam inside attributed."""
    from tests.attribution.conftest import HANDOVER

    raw = _bounce(message([direct("203.0.113.5", HANDOVER - timedelta(hours=1))])).replace(
        b"Return-Path: <>\r\nFrom: postmaster@corpc.example", b"From: jane@victimperson.example"
    )
    result = attributed(raw)
    assert Report.objects.get().status != "manual_triage"
    assert result["accounts"] == ["C-3"]


def test_an_arf_report_labelled_as_delivery_status_is_read_as_arf(isp):
    from tests.attribution.conftest import HANDOVER

    raw = _arf("abuse", message([direct("203.0.113.5", HANDOVER - timedelta(hours=1))]), sender="MAILER-DAEMON@fbl.example")
    raw = raw.replace(b"report-type=feedback-report", b"report-type=delivery-status")
    result = attributed(raw)
    assert Report.objects.get().format == "arf"
    assert result["accounts"] == ["C-3"]
