"""Notices about content at a URL (session 34): the address beside the URL is the site's
server (`site_address`), which the attribution reads as hosting, never as a mail's
origin; a notice about a mail, or about what a machine did, keeps its address an origin."""

from __future__ import annotations

import pytest

from complaints.parsing import TrustContext, parse_report

TRUST = TrustContext(own_domains=("isp.example.jp",))


def parse(head: str, body: str):
    raw = (
        f"{head}\nTo: abuse@isp.example.jp\nDate: Fri, 20 Nov 2026 07:00:00 +0000\nMessage-ID: <c1@x.example>\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}"
    )
    return parse_report(raw.replace("\n", "\r\n").encode(), content_type="message/rfc822", trust=TRUST)


@pytest.mark.parametrize(
    "body",
    [
        "A phishing attack is hosted on your network.\nThe attack is located at:\n"
        "  http://www.shop.example.jp/x/login.php\nIP address: 203.0.113.70\n",
        "URLhaus: malware URLs hosted on your network\nhttp://shop.example.jp/a.exe | 203.0.113.70\n",
        "フィッシングサイトが設置されています。\nURL: hxxp://shop[.]example[.]jp/bank/\nIPアドレス: 203.0.113.70\n",
        "Spam advertises http://www.shop.example.jp/offer\nThe site is hosted on 203.0.113.70.\n",
        "Malware download at http://203.0.113.70/bins/x.arm7 (203.0.113.70)\n",
    ],
    ids=["netcraft", "urlhaus", "jpcert", "person", "literal"],
)
def test_the_address_beside_a_reported_url_is_the_sites(body):
    parsed = parse("From: Notifier <notice@notifier.example>\nSubject: Abuse report", body)
    assert parsed.site_address == "203.0.113.70"
    assert any("not where a mail came from" in p for p in parsed.problems)


@pytest.mark.parametrize(
    "body",
    [
        # a mail's sender, in words
        "I received a phishing email from 203.0.113.70 linking to http://phish.example/login\n",
        "203.0.113.70 からフィッシングメールが届きました。リンク先: http://phish.example/login\n",
        # what a machine did, with links to the notifier's own pages
        "A public NTP server on your network, running on IP address 203.0.113.70 and UDP port 123, "
        "took part in an attack. Details: https://notifier.example/ntp\n",
    ],
    ids=["mail-en", "mail-ja", "ntp-server"],
)
def test_an_address_a_mail_or_a_machine_came_from_is_no_site(body):
    parsed = parse("From: Bob <bob@receiver.example>\nSubject: Abuse report", body)
    assert parsed.site_address is None and parsed.source_ip == "203.0.113.70"


def test_an_x_arf_phishing_reports_source_address_is_the_sites():
    body = (
        "Reported-From: scam@notifier.example\nCategory: fraud\nReport-Type: phishing\nService: http\n"
        "Version: 0.2\nSource-Type: ipv4\nSource: 203.0.113.70\nURL: http://shop.example.jp/x/\n"
    )
    parsed = parse("From: scam@notifier.example\nSubject: phishing site\nX-ARF: YES", body)
    assert parsed.site_address == "203.0.113.70"
    # The report's field is still what it states, as the corpus's ground truth has it.
    assert parsed.source_ip == "203.0.113.70" and parsed.source_basis == "field"


def test_an_x_arf_login_attack_with_a_link_is_no_site():
    body = (
        "Reported-From: ids@notifier.example\nCategory: abuse\nReport-Type: login-attack\nService: ssh\n"
        "Version: 0.2\nSource-Type: ipv4\nSource: 203.0.113.70\nURL: http://notifier.example/ticket/1\n"
    )
    parsed = parse("From: ids@notifier.example\nSubject: ssh attack\nX-ARF: YES", body)
    assert parsed.site_address is None and parsed.source_ip == "203.0.113.70"
