"""A phishing mail dressed up as a shop we host: the shop is the one impersonated,
not the one promoting (session 26's fourth probe left this open)."""

from datetime import timedelta

import pytest

from complaints.models import Case, Report
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import attributed, codes, direct

pytestmark = pytest.mark.django_db

AT = HANDOVER - timedelta(hours=1)


def _phish(sender: str, links: list[str], *, via: str = "192.0.2.99", subject="Phishing") -> bytes:
    spam = "\r\n".join(
        [
            f"Received: {direct(via, AT)}",
            f'From: "Shop support" <{sender}>',
            "To: victim@receiver.example",
            "Subject: Your order is on hold",
            "Message-ID: <ph1@kit.invalid>",
            "Date: Fri, 20 Nov 2026 14:00:00 +0900",
            "",
            "Your order is on hold. Confirm your card details:",
            *links,
            "",
        ]
    ).encode()
    return (
        b"From: p@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: " + subject.encode() + b"\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nThis is a phishing mail pretending to be the shop.\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + spam + b"\r\n--b--\r\n"
    )


def test_a_phishing_mail_forging_a_hosted_shop_does_not_name_the_shop(isp, django_capture_on_commit_callbacks):
    """The kit sends from a foreign address as support@shop.example.jp, asks the reader
    to log in at its own domain and links the real shop's pages to look genuine: the
    shop's owner is not told to stop promoting anything (rule 10 would warn them, L2)."""
    with django_capture_on_commit_callbacks(execute=True):
        result = attributed(
            _phish(
                "support@shop.example.jp",
                ["http://shop-example-verify.example/login", "https://www.shop.example.jp/privacy"],
            )
        )
    report = Report.objects.get()
    assert report.category == "phishing"
    assert "H-1" not in result["accounts"]
    assert "hosting" not in result["roles"]
    assert "impersonated_site" in codes(result)
    step = next(s for s in result["steps"] if s["code"] == "impersonated_site")
    assert step["weight"] == "signal" and step["host"] == "www.shop.example.jp"
    assert Case.objects.get().recommendation["rule"] != "10"


def test_the_shops_own_phishing_page_still_names_the_shop(isp):
    """Nothing elsewhere to log in at: the page asking for the card is on the shop's own
    site, whoever wrote it, and rule 10 or 11 applies as before."""
    result = attributed(_phish("support@shop.example.jp", ["http://shop.example.jp/login.php"]))
    assert result["accounts"] == ["H-1"]
    assert "impersonated_site" not in codes(result)


def test_a_kit_planted_on_the_impersonated_shop_is_still_a_compromised_site(isp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = attributed(
            _phish(
                "support@shop.example.jp",
                ["http://shop.example.jp/wp-content/uploads/2026/login.php", "http://cdn-pics.example/logo.png"],
            )
        )
    assert result["accounts"] == ["H-1"]
    assert result["compromise"] and "impersonated_site" not in codes(result)
    assert Case.objects.get().recommendation["rule"] == "11"


def test_ordinary_spam_from_the_shop_still_names_the_shop(isp):
    """A shop advertising itself through a bulk sender: From and links are the shop's,
    a click tracker beside them. Not phishing: rule 10, as always."""
    result = attributed(
        _phish(
            "news@shop.example.jp",
            ["https://click.esp.example/l?u=https://shop.example.jp/sale", "https://shop.example.jp/sale"],
            subject="Spam",
        )
    )
    assert result["accounts"] == ["H-1"]
    assert "impersonated_site" not in codes(result)


def test_a_phishing_mail_our_shop_sent_itself_still_names_the_shop(isp):
    """Sent from the shop's own hosting address: the shop is not impersonated."""
    result = attributed(
        _phish(
            "support@shop.example.jp",
            ["http://shop-example-verify.example/login", "https://www.shop.example.jp/privacy"],
            via="203.0.113.70",
        )
    )
    assert "H-1" in result["accounts"]
    assert "impersonated_site" not in codes(result)


def _prose(body: str) -> bytes:
    return (
        "From: taro@freemail.example\r\nTo: abuse@isp.example.jp\r\nSubject: spam complaint\r\n"
        "Date: Fri, 20 Nov 2026 15:00:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()


def test_a_hosted_site_in_the_complainants_signature_is_not_what_they_complain_about(isp):
    """A person's complaint with no copy of the spam: the links they paste are read,
    the ones in their own signature block (RFC 3676's "-- " line) are theirs."""
    result = attributed(
        _prose(
            "I got spam advertising http://cheap.example.net/x from your network.\r\n\r\n"
            "-- \r\nTaro Yamada\r\nmy shop: https://www.shop.example.jp/\r\n"
        )
    )
    report = Report.objects.get()
    assert "http://cheap.example.net/x" in report.facts["urls"]
    assert not any("shop.example.jp" in u for u in report.facts["urls"])
    assert "H-1" not in result["accounts"]


def test_a_link_pasted_below_the_signature_block_is_still_read(isp):
    result = attributed(
        _prose(
            "Please stop this.\r\n-- \r\nTaro\r\n\r\nThe spam said:\r\nBuy now at https://www.shop.example.jp/sale\r\n"
        )
    )
    assert result["accounts"] == ["H-1"]
