"""Sending methods found mishandled by probing with crafted complaints (helper session A):
each test is one class of real message, filed as a reporter files it, and checked
against POLICY's method, account and rule where the conclusion changed."""

from datetime import timedelta
from itertools import count

import pytest

from subscribers.services import block_upsert
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db
_n = count(1)
AFTER = HANDOVER + timedelta(hours=2)  # C-2 holds 198.51.100.23


def utc(at) -> str:
    return f"{at:%a, %d %b %Y %H:%M:%S +0000}"


def spam(lines: list[str], *, headers: tuple[str, ...] = ()) -> str:
    head = [f"Received: {line}" for line in lines] + list(headers)
    head += [
        "From: sale@spammer.example",
        "To: victim@receiver.example",
        "Subject: Cheap pills",
        f"Message-ID: <methods2-{next(_n)}@pc.invalid>",
        "Date: Fri, 20 Nov 2026 14:00:00 +0900",
    ]
    return "\r\n".join(head) + "\r\n\r\nBuy now http://cheap.example.net/x\r\n"


def arf(message: str, *, source_ip: str, at) -> bytes:
    """A receiver's feedback-loop report (RFC 5965) carrying the spam."""
    return (
        "From: fbl@receiver.example\r\nTo: abuse@isp.example.jp\r\nSubject: Abuse report\r\n"
        f"Date: Fri, 04 Dec 2026 01:00:00 +0000\r\nMessage-ID: <fbl{next(_n)}@receiver.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: ReceiverFBL/2.1\r\nVersion: 1\r\nSource-IP: {source_ip}\r\n"
        f"Arrival-Date: {utc(at)}\r\n\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n" + message + "\r\n--b--\r\n"
    ).encode()


def forwarded(message: str) -> bytes:
    """A person forwarding the spam as an attachment."""
    return (
        "From: Jane <jane@receiver.example>\r\nTo: abuse@isp.example.jp\r\nSubject: Fwd: Cheap pills\r\n"
        f"Date: Fri, 04 Dec 2026 02:00:00 +0000\r\nMessage-ID: <fw{next(_n)}@receiver.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n'
        "--m\r\nContent-Type: text/plain\r\n\r\nPlease stop this spam from your network.\r\n"
        '--m\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="spam.eml"\r\n\r\n'
        + message
        + "\r\n--m--\r\n"
    ).encode()


def filed(file, raw):  # noqa: F811
    report, case = file(raw, reporter=f"email:r{next(_n)}@receiver.example")
    return report["attribution"], case


def our_relay(at) -> str:
    return f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example (Postfix) with ESMTPS id 7Q; {utc(at)}"


# -- method 1: the login as Courier and OpenSMTPD stamp it ---------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # Courier writes IPv4 clients as IPv4-mapped IPv6, its AUTH stamp before "by", its id last.
        "from user-pc (p1023-ipngn.dyn.isp.example.jp [::ffff:198.51.100.23])\r\n"
        "  (AUTH: LOGIN hanako@isp.example.jp, TLS: TLSv1.3,256bits,TLS_AES_256_GCM_SHA384)\r\n"
        "  by smtp1.isp.example.jp with ESMTPSA; {at}\r\n  id 0011A2B3.5F6E7D8C.00001234",
        # OpenSMTPD with the listener's received-auth option.
        "from user-pc (p1023-ipngn.dyn.isp.example.jp [198.51.100.23])\r\n"
        "\tby smtp1.isp.example.jp (OpenSMTPD) with ESMTPSA id 4b7e3c1b (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO)"
        " auth=yes user=hanako\r\n\tfor <victim@receiver.example>;\r\n\t{at}",
    ],
    ids=["courier", "opensmtpd"],
)
def test_a_login_stamped_by_courier_or_opensmtpd_names_the_mail_account(file, line):  # noqa: F811
    """The login was not read, and our log (not yet imported) could not name it: the
    line's holder was named as if their own machine had relayed through us, with no mail
    account and no rule (nothing recommended)."""
    a, case = filed(
        file, arf(spam([our_relay(AFTER), line.format(at=utc(AFTER))]), source_ip="192.0.2.5", at=AFTER)
    )
    assert a["sending_method"] == "contracted_isp_server"
    assert a["accounts"] == ["M-2", "C-2"], codes(a)  # hanako on her own line
    assert case["recommendation"]["rule"] == "1"


# -- method 4: another provider's server whose protocol follows its product's name ---------


def test_mailenables_esmtpa_at_another_provider_is_method_4(file):  # noqa: F811
    """MailEnable writes "with MailEnable ESMTPA": the login went unseen, so the line
    below the provider's server was not read and the complaint went out as not ours."""
    a, case = filed(file, arf(spam([
        f"from mail.other-isp.example (mail.other-isp.example [192.0.2.19]) by mx.receiver.example (Postfix) with ESMTP id 2B; {utc(AFTER)}",
        f"from user-pc ([198.51.100.23]) by mail.other-isp.example with MailEnable ESMTPA; {utc(AFTER)}",
    ]), source_ip="192.0.2.19", at=AFTER))  # fmt: skip
    assert a["sending_method"] == "other_isp_server"
    assert a["accounts"] == ["C-2"], codes(a)
    assert case["recommendation"]["rule"] == "9"


# -- a hosted site's planted script, named by PHP's basename --------------------------------


@pytest.mark.parametrize("script", ["10001:.wp-cache.php", "33:.sys.php"])
def test_a_hidden_script_named_only_by_its_basename_was_planted(file, script):  # noqa: F811
    """PHP's X-PHP-Originating-Script gives the script's file name without its folder: a
    file whose name starts with a dot is hidden, which no site's owner mails from. The
    site was called the sender's own server (no rule, nothing recommended)."""
    block_upsert(prefix="203.0.113.71/32", kind="hosting")
    a, case = filed(file, forwarded(spam([
        f"from web02.hosting.isp.example.jp (web02.hosting.isp.example.jp [203.0.113.71]) by mx.receiver.example (Postfix) with ESMTP id 5H; {utc(AFTER)}",
        f"by web02.hosting.isp.example.jp (Postfix, from userid 10001) id 4C5E; {utc(AFTER)}",
    ], headers=("X-PPP-Vhost: shop.example.jp", f"X-PHP-Originating-Script: {script}"))))  # fmt: skip
    assert a["accounts"] == ["H-1"], codes(a)
    assert a["sending_method"] == "hijacked_host"
    assert [c["key"] for c in a["compromise"]] == ["compromised_site"]
    assert case["recommendation"]["rule"] == "7"
    # The site's own library, named the same way, is no sign of a compromise.
    own, _case = filed(file, forwarded(spam([
        f"from www.shop.example.jp (www.shop.example.jp [203.0.113.70]) by mx.receiver.example (Postfix) with ESMTP id 5J; {utc(AFTER)}",
        f"by www.shop.example.jp (Postfix, from userid 1001) id 9A8B; {utc(AFTER)}",
    ], headers=("X-PPP-Vhost: shop.example.jp", "X-PHP-Originating-Script: 1001:class-phpmailer.php"))))  # fmt: skip
    assert own["accounts"] == ["H-1"] and own["compromise"] == [], codes(own)
