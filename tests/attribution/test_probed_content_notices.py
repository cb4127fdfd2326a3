"""Notices about content hosted on our network (a phishing page, a malware download),
found misread by probing (session 34): the address such a notice gives beside the URL
("IP address:", "Source:", "Host IP:", "IPアドレス:", X-ARF's Source) is the server the
site is on. It was taken for a mail's origin: the hosting server's holder was a sender
(self-operated, or "reported as infected"), a shared server's tenant was called
intentional under rule 10 (the "host customer is the sender"), a VPS named only by the
notice matched no rule, and a site on a customer's own line fell under rules 3 and 4.

The small ISP is tests/attribution/conftest.py: shop.example.jp is hosting account H-1
on the shared server 203.0.113.70; 203.0.113.5 is C-3's static line; 198.51.100.23 is
C-2's after HANDOVER. Here H-2 is a VPS at 203.0.113.130 (S-5).
"""

from datetime import timedelta
from itertools import count

import pytest

from complaints.models import Evidence, NetworkContact
from subscribers.services import account_upsert, block_upsert
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db
_n = count(1)
T = HANDOVER + timedelta(hours=1)  # C-2 holds 198.51.100.23
SHARED = "203.0.113.70"
VPS = "203.0.113.130"
OWN_PAGE = "http://www.shop.example.jp/examplebank-login/"


@pytest.fixture
def vps(isp):
    account_upsert(account_id="H-2", subscriber_id="S-5", kind="hosting", identifier="vps130.example.net")
    block_upsert(prefix=f"{VPS}/32", kind="hosting", account_id="H-2")


def _mail(sender: str, subject: str, body: str, *, date="Fri, 20 Nov 2026 07:00:00 +0000", head=()) -> bytes:
    lines = [f"From: {sender}", "To: abuse@isp.example.jp", f"Subject: {subject}", f"Date: {date}",
             f"Message-ID: <n{next(_n)}@notices.example>", *head, "MIME-Version: 1.0"]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n" + body.replace("\n", "\r\n")).encode()


def netcraft(url: str, ip: str, label: str = "IP address") -> bytes:
    return _mail(
        "Netcraft <scamreport@netcraft.example>", f"Phishing attack hosted on {ip} [NC-1]",
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Netcraft has discovered a phishing attack hosted on your network, impersonating Example Bank.\n\n"
        f"The attack is located at:\n  {url}\n\n{label}: {ip}\nFirst seen: {T:%Y-%m-%d %H:%M:%S} UTC\n\n"
        "Please remove this content as soon as possible.\n",
    )  # fmt: skip


def jpcert(url: str, ip: str) -> bytes:
    return _mail(
        "JPCERT/CC <info@jpcert.example>", "[JPCERT#12345678] フィッシングサイトに関する情報提供",
        "Content-Type: text/plain; charset=utf-8\n\n"
        "貴組織の管理下と思われるサーバ上に、フィッシングサイトが設置されていることを確認いたしました。\n\n"
        f"URL: {url.replace('http', 'hxxp').replace('.', '[.]')}\nIPアドレス: {ip}\n確認日時: 2026年11月20日 15時30分\n",
        date="Fri, 20 Nov 2026 16:00:00 +0900",
    )  # fmt: skip


def safe_browsing(url: str, ip: str) -> bytes:
    return _mail(
        "Safe Browsing <noreply-safebrowsing@search.example>", "Safe Browsing Alert for Network Administrators",
        "Content-Type: text/plain; charset=utf-8\n\n"
        "We have detected malicious content on some of the pages hosted in your network.\n\n"
        f"URL: {url}\nIP: {ip}\nMalware category: Malware distribution\n",
        head=("Auto-Submitted: auto-generated",),
    )  # fmt: skip


def urlhaus(url: str, ip: str) -> bytes:
    return _mail(
        "URLhaus <noreply@urlhaus.example>", "URLhaus: malware URLs on your network",
        "Content-Type: text/plain; charset=utf-8\n\n"
        "The following malware URLs are hosted on your network:\n\n"
        "Date added (UTC) | URL | Status | Threat | IP address\n"
        f"{T:%Y-%m-%d %H:%M:%S} | {url} | online | malware_download | {ip}\n",
    )  # fmt: skip


def x_arf(url: str, ip: str) -> bytes:
    """An X-ARF fraud report whose Source is the site's address, the URL in its own field."""
    fields = (
        "Reported-From: scamreport@netcraft.example\nCategory: fraud\nReport-Type: phishing\nService: http\n"
        f"Version: 0.2\nDate: {T:%a, %d %b %Y %H:%M:%S +0000}\nSource-Type: ipv4\nSource: {ip}\nURL: {url}\n"
    )
    return _mail(
        "Netcraft <scamreport@netcraft.example>", "abuse report about a phishing site",
        'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\nA phishing site.\n'
        f'--B\nContent-Type: text/plain; name="report.txt"\n\n---\n{fields}--B--\n',
        head=("X-ARF: YES",),
    )  # fmt: skip


def person(url: str, ip: str) -> bytes:
    return _mail(
        "Bob <bob@receiver.example>", "Spam advertising a site on your network",
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"I keep getting spam that advertises a site hosted by you: {url}\nThe site is hosted on {ip}.\n",
        date="Sat, 21 Nov 2026 09:00:00 +0000",
    )  # fmt: skip


def filed(file, raw):  # noqa: F811
    report, case = file(raw, reporter=f"email:n{next(_n)}@notices.example")
    return report["attribution"], case


NOTICES = [netcraft, jpcert, safe_browsing, urlhaus, x_arf, person,
           lambda url, ip: netcraft(url, ip, "Source"), lambda url, ip: netcraft(url, ip, "Host IP")]  # fmt: skip
NOTICE_IDS = ["netcraft", "jpcert", "safe-browsing", "urlhaus", "x-arf", "person", "source", "host-ip"]


@pytest.mark.parametrize("notice", NOTICES, ids=NOTICE_IDS)
def test_a_notice_about_a_site_on_our_shared_server_is_hosting_not_sending(file, notice):  # noqa: F811
    a, case = filed(file, notice(OWN_PAGE, SHARED))
    assert a["roles"] == ["hosting"] and a["accounts"] == ["H-1"], codes(a)
    assert a["sending_method"] is None and "site_address_not_origin" in codes(a), codes(a)
    assert case["recommendation"]["rule"] == "10"
    # Never "the host customer is the sender": no mail came from the server.
    assert case["recommendation"]["culpability"] != "intentional"


@pytest.mark.parametrize("notice", [netcraft, jpcert, x_arf], ids=["netcraft", "jpcert", "x-arf"])
@pytest.mark.parametrize(
    "path", ["/wp-content/uploads/2026/11/bank/login.php", "/wp-content/plugins/akismet/bank/index.html"]
)
def test_phishing_planted_in_a_hosted_wordpress_is_a_compromised_site(file, notice, path):  # noqa: F811
    a, case = filed(file, notice(f"http://www.shop.example.jp{path}", SHARED))
    assert a["roles"] == ["hosting"] and a["accounts"] == ["H-1"], codes(a)
    assert "phishing_planted_in_site" in codes(a)
    assert case["recommendation"]["rule"] == "11" and case["recommendation"]["culpability"] == "victim"


@pytest.mark.parametrize(
    "notice", [netcraft, x_arf, safe_browsing], ids=["netcraft", "x-arf", "safe-browsing"]
)
@pytest.mark.parametrize("url", ["http://login-examplebank.example/verify/", f"http://{VPS}/bank/login.php"])
def test_a_site_on_a_vps_named_only_by_the_notice_names_the_vps(file, vps, notice, url):  # noqa: F811
    """No DNS answer of our own for the name: the notice's address is the site's."""
    a, case = filed(file, notice(url, VPS))
    assert a["roles"] == ["hosting"] and a["accounts"] == ["H-2"], codes(a)
    assert a["sending_method"] is None
    assert case["recommendation"]["rule"] == "10"


@pytest.mark.parametrize(
    ("ip", "account", "code"),
    [
        ("203.0.113.5", "C-3", "site_address_on_static_line"),
        ("198.51.100.23", "C-2", "site_address_on_dynamic_line"),
    ],
)
@pytest.mark.parametrize("notice", [netcraft, jpcert, urlhaus], ids=["netcraft", "jpcert", "urlhaus"])
def test_a_site_on_a_customers_own_line_is_hosted_there_not_sent_from_it(file, notice, ip, account, code):  # noqa: F811
    a, case = filed(file, notice("http://home.example.org/bank/login.php", ip))
    assert a["roles"] == ["hosting"] and a["accounts"] == [account], codes(a)
    assert a["sending_method"] is None and code in codes(a)
    assert case["recommendation"]["rule"] not in ("3", "4", "5")


def test_a_site_on_a_pool_address_with_no_time_of_its_own_names_nobody(file):  # noqa: F811
    """Only the notice's own date: the pool address's holder then is not named."""
    raw = netcraft("http://home.example.org/bank/", "198.51.100.23").replace(
        f"First seen: {T:%Y-%m-%d %H:%M:%S} UTC\r\n".encode(), b""
    )
    a, _case = filed(file, raw)
    assert a["roles"] == ["hosting"] and a["accounts"] == [], codes(a)
    assert "site_address_holder_unknown" in codes(a)


def test_a_site_elsewhere_goes_to_the_network_of_its_address(file):  # noqa: F811
    contact = NetworkContact(name="Big Hoster", prefix="45.33.0.0/16", abuse_email="abuse@bighoster.example")
    contact.clean()
    contact.save()
    a, _case = filed(file, netcraft("http://phish.elsewhere.example/bank/", "45.33.12.34"))
    assert a["roles"] == ["not_ours"] and a["abuse_contact"]["email"] == "abuse@bighoster.example"


def test_a_phishing_mail_complaint_naming_its_sender_is_still_about_the_sender(file):  # noqa: F811
    raw = _mail(
        "Bob <bob@receiver.example>", "Phishing email",
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"I received a phishing email from 203.0.113.5 at {T:%Y-%m-%d %H:%M} UTC linking to http://phish.elsewhere.example/\n",
    )  # fmt: skip
    a, _case = filed(file, raw)
    assert a["roles"] == ["sending"] and a["accounts"] == ["C-3"], codes(a)


def _a_record(host: str, outcome: str, answer: list, at) -> None:
    Evidence.objects.create(subject=host, kind="a", query_name=host, query_type="A", server="127.0.0.1:53",
                            outcome=outcome, answer=answer, digest=f"{host}{outcome}".ljust(64, "x")[:64],
                            asked_at=at)  # fmt: skip


def test_a_lookup_that_got_no_answer_does_not_hide_the_last_answer(file, vps):  # noqa: F811
    """A suspended phishing domain's name servers stop answering: the address the DNS
    gave before still says where the site was."""
    from django.utils import timezone

    _a_record("bank-verify.example", "answer", [VPS], timezone.now() - timedelta(days=1))
    _a_record("bank-verify.example", "servfail", [], timezone.now())
    raw = _mail(
        "Bob <bob@receiver.example>", "Spam", "Content-Type: text/plain; charset=utf-8\n\n"
        "Spam advertising http://bank-verify.example/ reached us.\n",
    )  # fmt: skip
    a, _case = filed(file, raw)
    assert a["roles"] == ["hosting"] and a["accounts"] == ["H-2"], codes(a)


def test_a_logo_a_phishing_mail_borrows_from_a_hosted_site_is_no_planted_page(isp, partner):
    """The genuine site's image in its uploads folder, linked by the phishing mail to look
    real: not a page planted there, and no path of the site is disabled for it."""
    import json

    from django.test import TestCase

    from complaints.models import Case, Report
    from tests.attribution.test_unseen_complaints import _xarf
    from tests.personas import token_client

    body = _xarf("shop.example.jp", "fraud", "phishing", HANDOVER)
    body["url"] = "http://shop.example.jp/wp-content/uploads/2026/logo.png"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = token_client(partner[1]).post(
            "/api/v1/reports/", data=json.dumps(body), content_type="application/json"
        )
    assert response.status_code in (201, 202), response.content
    assert Report.objects.get().attribution["compromise"] == []
    assert Case.objects.get().recommendation["rule"] == "10"


def test_notices_about_two_tenants_of_one_shared_server_are_two_cases(file):  # noqa: F811
    """The server's address is every tenant's: keyed by it, one case would name two
    customers (an ambiguity, E0) and a measure on one would be argued with the other's
    evidence. The site is what each case is about."""
    account_upsert(account_id="H-3", subscriber_id="S-5", kind="hosting", identifier="blog.example.jp")
    _a, shop = filed(file, netcraft(OWN_PAGE, SHARED))
    b, blog = filed(file, netcraft("http://blog.example.jp/bank/login.html", SHARED))
    assert b["accounts"] == ["H-3"], codes(b)
    assert shop["key"] == "host:shop.example.jp" and blog["key"] == "host:blog.example.jp"
    assert shop["id"] != blog["id"]
