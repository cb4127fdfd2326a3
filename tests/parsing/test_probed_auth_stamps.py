"""How MTAs other than Postfix and sendmail stamp an authenticated submission in their
Received line, found unread by probing (helper session A): Courier's "(AUTH: LOGIN
login, TLS: …)", OpenSMTPD's "auth=yes user=login" (its received-auth option) and
MailEnable's "with MailEnable ESMTPA", whose protocol word comes after the product's."""

from __future__ import annotations

import pytest

from complaints.parsing import TrustContext, parse_report

OURS = TrustContext(
    own_domains=("isp.example",),
    is_own_mail_server=lambda ip: ip.startswith("198.51.100."),
)
RELAY = "from smtp1.isp.example (smtp1.isp.example [198.51.100.5]) by mx.reporter.example with ESMTPS id A; Fri, 20 Nov 2026 10:00:05 +0000"


def _mail(*received: str) -> bytes:
    head = "".join(f"Received: {r}\n" for r in received)
    return (head + "From: x@bad.example\nSubject: hi\n\nhello\n").encode()


@pytest.mark.parametrize(
    ("line", "login"),
    [
        (
            "from pc1 (p1234.dyn.isp.example [::ffff:203.0.113.77])\n  (AUTH: LOGIN taro@isp.example, "
            "TLS: TLSv1.3,256bits,TLS_AES_256_GCM_SHA384)\n  by smtp1.isp.example with ESMTPSA; "
            "Fri, 20 Nov 2026 10:00:00 +0000\n  id 0011A2B3.5F6E7D8C.00001234",
            "taro@isp.example",
        ),
        (
            "from pc1 (p1234.dyn.isp.example [203.0.113.77]) (AUTH: CRAM-MD5 hanako) "
            "by smtp1.isp.example with ESMTPA; Fri, 20 Nov 2026 10:00:00 +0000",
            "hanako",
        ),
        (
            "from pc1 (p1234.dyn.isp.example [203.0.113.77])\n\tby smtp1.isp.example (OpenSMTPD) with ESMTPSA "
            "id 9c1d2e3f (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO) auth=yes user=taro\n\tfor <v@reporter.example>;"
            "\n\tFri, 20 Nov 2026 10:00:00 +0000",
            "taro",
        ),
    ],
    ids=["courier", "courier-cram-md5", "opensmtpd"],
)
def test_the_login_our_server_stamped_is_read(line, login):
    report = parse_report(_mail(RELAY, line), trust=OURS)

    assert report.source_ip == "203.0.113.77"
    assert report.origin_authenticated is True
    assert report.authenticated_as == login
    # OpenSMTPD writes "auth=no" for a client that did not log in: no login, no marker.
    if "auth=yes" in line:
        refused = parse_report(_mail(RELAY, line.replace("auth=yes user=taro", "auth=no")), trust=OURS)
        assert refused.authenticated_as is None


def test_a_products_name_before_the_authenticated_protocol():
    """MailEnable writes "with MailEnable ESMTPA": the client logged in all the same."""
    report = parse_report(
        _mail(
            RELAY,
            "from pc1 ([203.0.113.77]) by smtp1.isp.example with MailEnable ESMTPA; Fri, 20 Nov 2026 10:00:00 +0000",
        ),
        trust=OURS,
    )
    plain = parse_report(
        _mail(
            RELAY,
            "from pc1 ([203.0.113.77]) by smtp1.isp.example with MailEnable ESMTP; Fri, 20 Nov 2026 10:00:00 +0000",
        ),
        trust=OURS,
    )

    assert report.origin_authenticated is True
    assert plain.origin_authenticated is False
