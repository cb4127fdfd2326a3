"""Malware (and a defacer's page) planted in a site we host: a notice about a malware
download or a web shell at a URL on a hosting customer's site (URLhaus, Safe Browsing,
an X-ARF malware report, a person writing in) whose file sits where the CMS keeps
uploads, caches or temporary files, or in a hidden folder, shows what a phishing page
there shows: a third party put it into a hacked site, and the site's owner is a victim.
The file at the site's root, or at a path a site's owner publishes downloads from, shows
nothing of the kind; nor does a spam advertising the site, nor a site elsewhere.

The small ISP is tests/attribution/conftest.py: shop.example.jp and www.shop.example.jp
are hosting account H-1 on the shared server 203.0.113.70.
"""

import pytest

from subscribers.services import account_upsert
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_probed_content_notices import (
    SHARED,
    T,
    _mail,
    filed,
    person,
    safe_browsing,
    urlhaus,
)
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db
SITE = "https://www.shop.example.jp"


def x_arf(url: str, ip: str, report_type: str = "malware") -> bytes:
    """An X-ARF report about content at a URL (Report-Type malware, defacement, ...)."""
    fields = (
        f"Reported-From: reports@malwatch.example\nCategory: abuse\nReport-Type: {report_type}\nService: http\n"
        f"Version: 0.2\nDate: {T:%a, %d %b %Y %H:%M:%S +0000}\nSource-Type: ipv4\nSource: {ip}\nURL: {url}\n"
    )
    return _mail(
        "Malwatch <reports@malwatch.example>", f"abuse report: {report_type} on your network",
        'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\n'
        f"Content of the kind {report_type} found on your network.\n"
        f'--B\nContent-Type: text/plain; name="report.txt"\n\n---\n{fields}--B--\n',
        head=("X-ARF: YES",),
    )  # fmt: skip


def a_person(url: str, _ip: str) -> bytes:
    """Someone who downloaded it writes in, naming the link and no address."""
    return _mail(
        "Alice <alice@home.example>", "Malware download on a site you host",
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"Your customer's web site offers malware: {url}\n"
        "My antivirus flagged the file as a trojan. Please have it removed.\n",
        date="Sat, 21 Nov 2026 09:00:00 +0000",
    )  # fmt: skip


NOTICES = [urlhaus, safe_browsing, x_arf, a_person]
NOTICE_IDS = ["urlhaus", "safe-browsing", "x-arf", "person"]
PLANTED = [
    "/wp-content/uploads/2026/11/invoice.zip",
    "/wp-includes/.cache/x.php",
    "/images/update.exe",
    "/tmp/svchost.exe",
    "/.well-known/pki-validation/loader.exe",
    "/media/.x/payload.bin",
]


@pytest.mark.parametrize("notice", NOTICES, ids=NOTICE_IDS)
@pytest.mark.parametrize("path", PLANTED)
def test_malware_planted_in_a_hosted_site_is_a_compromised_site(file, notice, path):  # noqa: F811
    a, case = filed(file, notice(f"{SITE}{path}", SHARED))
    assert a["roles"] == ["hosting"] and a["accounts"] == ["H-1"], codes(a)
    assert [c["key"] for c in a["compromise"]] == ["compromised_site"], codes(a)
    assert "malware_planted_in_site" in codes(a) and a["probable_victim"] is True
    assert a["sending_method"] is None
    assert case["recommendation"]["culpability"] == "victim"


@pytest.mark.parametrize("notice", NOTICES, ids=NOTICE_IDS)
@pytest.mark.parametrize(
    "path", ["/invoice.zip", "/setup.exe", "/downloads/setup.exe", "/products/tool/setup.exe"]
)
def test_malware_at_the_sites_root_or_an_ordinary_path_is_not_inferred_planted(file, notice, path):  # noqa: F811
    """Where a site's owner publishes what it offers: the file may be the owner's own."""
    a, case = filed(file, notice(f"{SITE}{path}", SHARED))
    assert a["roles"] == ["hosting"] and a["accounts"] == ["H-1"], codes(a)
    assert a["compromise"] == [] and "malware_planted_in_site" not in codes(a), codes(a)
    assert case["recommendation"]["rule"] == "10"


@pytest.mark.parametrize("notice", NOTICES, ids=NOTICE_IDS)
def test_a_software_vendors_download_is_not_inferred_planted(file, notice):  # noqa: F811
    account_upsert(account_id="H-3", subscriber_id="S-5", kind="hosting", identifier="soft.example.jp")
    a, _case = filed(file, notice("https://soft.example.jp/downloads/setup.exe", SHARED))
    assert a["accounts"] == ["H-3"], codes(a)
    assert a["compromise"] == [], codes(a)


def test_spam_advertising_a_file_in_the_sites_uploads_is_unaffected(file):  # noqa: F811
    """A spam complaint is about the mail: the owner's own flyer in its uploads."""
    a, case = filed(file, person(f"{SITE}/wp-content/uploads/2026/11/flyer.pdf", SHARED))
    assert a["roles"] == ["hosting"] and a["accounts"] == ["H-1"], codes(a)
    assert a["compromise"] == [], codes(a)
    assert case["recommendation"]["rule"] == "10"


@pytest.mark.parametrize("notice", NOTICES, ids=NOTICE_IDS)
def test_malware_planted_in_a_site_elsewhere_is_not_ours(file, notice):  # noqa: F811
    a, _case = filed(
        file, notice("https://blog.elsewhere.example/wp-content/uploads/2026/11/invoice.zip", "45.33.12.34")
    )
    assert a["roles"] == ["not_ours"] and a["accounts"] == [], codes(a)
    assert a["compromise"] == [], codes(a)


def test_a_defacers_page_planted_in_a_hosted_site_is_a_compromised_site(file):  # noqa: F811
    a, case = filed(file, x_arf(f"{SITE}/wp-content/uploads/2026/11/hacked.html", SHARED, "defacement"))
    assert a["accounts"] == ["H-1"], codes(a)
    assert [c["key"] for c in a["compromise"]] == ["compromised_site"], codes(a)
    assert "defacement_planted_in_site" in codes(a)
    assert case["recommendation"]["culpability"] == "victim"
