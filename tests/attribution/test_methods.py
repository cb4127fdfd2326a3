"""Crafted complaints for every sending method, filed the way users file them (the API,
the intake service, the phone form), then read back from the case.

The small ISP is tests/attribution/conftest.py: 198.51.100.23 is C-1's until HANDOVER,
then C-2's; 203.0.113.5 is C-3's static line; taro is S-1's mail account (M-1,
connection C-1), hanako S-2's (M-2); our mail servers are 192.0.2.0/28.
"""

from datetime import timedelta

import pytest

from complaints.choices import Channel
from complaints.models import Case, Evidence, Report
from complaints.services import report_ingest
from complaints.services.confirmations import case_confirm
from subscribers.models import MailLogEntry
from subscribers.services import maillog_record
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import codes, direct, message
from tests.personas import token_client

pytestmark = pytest.mark.django_db
STAMP = "%a, %d %b %Y %H:%M:%S +0000"


@pytest.fixture
def file(isp, staff_token, django_capture_on_commit_callbacks):
    """File raw mail over the API as a given reporter; return (report, case) as the API shows them.

    The on-commit follow-ups run as they do under `make run`: attribution, then the
    case's evidence level and recommendation.
    """
    client = token_client(staff_token)

    def _file(raw: bytes, *, reporter: str | None = None) -> tuple[dict, dict]:
        with django_capture_on_commit_callbacks(execute=True):
            if reporter is None:
                answer = client.post("/api/v1/reports/", raw, content_type="message/rfc822")
                assert answer.status_code == 201, answer.content
                pk = answer.json()["id"]
            else:
                pk = report_ingest(
                    raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False
                ).report.pk
        report = client.get(f"/api/v1/reports/{pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
        case = client.get(f"/api/v1/cases/{report['case']['id']}/").json() if report["case"] else None
        return report, case

    return _file


def attribution(report: dict) -> dict:
    return report["attribution"]


def sentences(report: dict) -> list[str]:
    return [s["text"] for s in report["findings"]["steps"]]


# -- 1: through our own mail server ----------------------------------------------------


def _via_smtp1(
    at, marker: str, msgid="<run-1@pc.invalid>", *, client="198.51.100.23", protocol="ESMTP", queue="4F2A1C3D"
) -> bytes:
    """Our submission server smtp1 took it from `client` and handed it to the receiver."""
    return message(
        [
            f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {at:{STAMP}}",
            f"from pc (unknown [{client}]) {marker} by smtp1.isp.example.jp (Postfix) with {protocol} id {queue}; {at:{STAMP}}",
        ],
        msgid=msgid,
    )


def test_method_1_with_a_login_confirmed_by_our_mail_log_is_e2_with_three_reporters(file):
    at = HANDOVER - timedelta(minutes=30)
    raw = _via_smtp1(at, "(Authenticated sender: taro)")
    for n in range(3):
        report, case = file(raw, reporter=f"email:r{n}@receiver.example")
    a = attribution(report)
    assert a["sending_method"] == "contracted_isp_server"
    assert a["accounts"] == ["M-1", "C-1"] and a["subscribers"] == ["S-1"]
    assert "maillog_confirms" in codes(a)
    # The mail account and the connection account of one subscriber are one party.
    assert case["evidence_level"] == "E2"
    assert case["recommended_level"] == "L3"
    assert "evidence.one_subscriber" not in case["recommendation"]["evidence_reasons"]
    assert case["recommendation"]["evidence_reasons"][0] == "evidence.mail_log_confirms"


def test_method_1_with_an_authentication_marker_but_no_login_takes_the_login_from_our_log(file):
    at = HANDOVER - timedelta(minutes=30)
    report, case = file(_via_smtp1(at, "(authenticated bits=0)"))
    a = attribution(report)
    assert a["sending_method"] == "contracted_isp_server"
    assert a["accounts"] == ["M-1", "C-1"]
    assert "Submitted through our mail server smtp1.isp.example.jp with the login taro." in sentences(report)
    assert case["evidence_level"] == "E1"


def _two_logins_from_one_shared_address(at):
    """hanako and then taro submit from the same address within minutes (a CGN address,
    a webmail or proxy host): the address alone cannot say whose the spam was."""
    for login, minutes, queue in (("hanako", -4, "AAAA000001"), ("taro", 0, "BBBB000002")):
        maillog_record(
            kind="submission",
            service="smtp",
            login=login,
            client_ip="198.51.100.77",
            at=at + timedelta(minutes=minutes),
            host="smtp1",
            queue_id=queue,
            message_id=f"<{queue}@pc.invalid>",
        )


def _from_shared(at, queue_id):
    return _via_smtp1(
        at, "(authenticated bits=0)", "<no-such-id@pc.invalid>", client="198.51.100.77", protocol="ESMTPSA", queue=queue_id
    )


def test_method_1_our_servers_queue_id_picks_the_submission_on_a_shared_address(file):
    at = HANDOVER + timedelta(hours=3)
    _two_logins_from_one_shared_address(at)
    report, _case = file(_from_shared(at, "BBBB000002"))
    a = attribution(report)
    assert a["accounts"][0] == "M-1"  # taro, whose submission the queue ID is
    step = next(s for s in a["steps"] if s["code"] == "maillog_confirms")
    assert step["queue_id"] == "BBBB000002"
    report, _case = file(_from_shared(at, "AAAA000001"), reporter="email:other@receiver.example")
    assert attribution(report)["accounts"][0] == "M-2"  # hanako's, four minutes earlier


def test_method_1_several_logins_on_a_shared_address_and_nothing_to_pick_one_names_nobody(file):
    at = HANDOVER + timedelta(hours=3)
    _two_logins_from_one_shared_address(at)
    report, _case = file(_from_shared(at, "ZZZZ999999"))  # a queue ID our log does not have
    a = attribution(report)
    assert not {"M-1", "M-2"} & set(a["accounts"])
    assert "maillog_ambiguous" in codes(a) and "maillog_confirms" not in codes(a)
    assert any("2 different logins" in text for text in sentences(report))


def test_method_1_with_the_login_written_as_an_address_at_our_domain(file):
    # Servers log "taro" while the header says taro@our.domain, or the other way round.
    at = HANDOVER - timedelta(minutes=30)
    report, case = file(_via_smtp1(at, "(Authenticated sender: taro@isp.example.jp)"))
    a = attribution(report)
    assert a["accounts"] == ["M-1", "C-1"]
    assert "maillog_confirms" in codes(a) and "login_not_in_inventory" not in codes(a)


def test_method_1_a_login_submitting_from_many_addresses_is_stolen_even_when_the_client_shows(file):
    at = HANDOVER - timedelta(minutes=30)
    for n in range(6):  # taro from six addresses outside our network within minutes
        maillog_record(
            kind="submission", service="smtp", login="taro", client_ip=f"198.18.{n}.9",
            at=at - timedelta(minutes=n), host="smtp1", queue_id=f"Q{n}", message_id=f"<out-{n}@pc.invalid>",
        )  # fmt: skip
    raw = message(
        [
            f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {at:{STAMP}}",
            f"from pc (unknown [198.18.0.9]) (Authenticated sender: taro) by smtp1.isp.example.jp (Postfix) with ESMTPSA id Q0; {at:{STAMP}}",
        ],
        msgid="<out-0@pc.invalid>",
    )  # fmt: skip
    report, case = file(raw)
    a = attribution(report)
    assert "M-1" in a["accounts"]
    assert [c["key"] for c in a["compromise"]] == ["stolen_credentials"]


@pytest.mark.parametrize("http_hop", [False, True], ids=["webmail-on-localhost", "webmail-http-line"])
def test_method_1_through_our_webmail_names_the_mail_account(file, http_hop):
    # Roundcube submits from localhost with the user's login; with its HTTP line the
    # browser's address shows too (here one abroad, so only the mail account is ours).
    at = HANDOVER - timedelta(minutes=30)
    received = [
        f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {at:{STAMP}}",
        f"from webmail.isp.example.jp (localhost [127.0.0.1]) (Authenticated sender: taro) by smtp1.isp.example.jp (Postfix) with ESMTPA id 7B0C; {at:{STAMP}}",
    ]  # fmt: skip
    if http_hop:
        received.append(f"from 192.0.2.150 by webmail.isp.example.jp with HTTP (HTTP/1.1 POST); {at:{STAMP}}")
    report, case = file(message(received, msgid="<run-1@pc.invalid>"))
    a = attribution(report)
    assert a["roles"] == ["sending"] and a["sending_method"] == "contracted_isp_server"
    assert a["accounts"][0] == "M-1"
    assert "maillog_confirms" in codes(a)


def test_method_1_reports_naming_different_logins_on_one_shared_address_are_not_one_customers_e2(file):
    """Three reporters, one case keyed by the shared address, but two of them are about
    taro's submission and one about hanako's: E2 is three reporters about one account."""
    at = HANDOVER + timedelta(hours=3)
    _two_logins_from_one_shared_address(at)
    file(_from_shared(at, "BBBB000002"), reporter="email:a@receiver.example")
    file(_from_shared(at, "BBBB000002"), reporter="email:b@other.example")
    _report, case = file(_from_shared(at, "AAAA000001"), reporter="email:c@third.example")
    assert case["key"] == "ip:198.51.100.77" and case["reporter_count"] == 3
    assert {"M-1", "M-2"} <= set(case["accounts"])
    assert case["evidence_level"] != "E2", case["recommendation"]["evidence_reasons"]
    assert "evidence.reporters:2,3,7" in case["recommendation"]["evidence_reasons"]


def test_method_1_a_message_id_copied_into_spam_from_abroad_names_nobody(file):
    """An SMTP client abroad logged in to our server (the queue ID is not in our log) and
    copied the Message-ID of taro's real mail: a Message-ID is anyone's to write, so it
    only finds a submission when the client was a browser on our webmail."""
    at = HANDOVER - timedelta(minutes=30)
    raw = _via_smtp1(at, "(authenticated bits=0)", client="192.0.2.99", protocol="ESMTPSA", queue="9999ZZZZ99")
    report, _case = file(raw)
    a = attribution(report)
    assert "M-1" not in a["accounts"] and "maillog_confirms" not in codes(a)


def test_method_1_our_smarthost_relaying_for_a_customers_address_without_a_login(file):
    """Many smarthosts relay for their own networks by address. The mail left through
    our server: the contracted server is the method, not direct to the recipient's MX
    (and nothing to forward to 'the relaying network', which is ours)."""
    at = HANDOVER - timedelta(hours=2)  # C-1's address; no submission of taro's then
    report, _case = file(_via_smtp1(at, "", queue="77AA88BB"))
    a = attribution(report)
    assert a["sending_method"] == "contracted_isp_server"
    assert a["accounts"] == ["C-1"]  # the address's holder then; no login to name
    assert "relayed_for_our_customer" in codes(a) and "direct_to_foreign_mx" not in codes(a)


def test_our_mx_receiving_from_a_customer_for_our_own_mailbox_is_not_a_relay(file):
    at = HANDOVER - timedelta(minutes=30)
    raw = message(
        [
            f"from mx1.isp.example.jp (mx1.isp.example.jp [192.0.2.6]) by mx.forward-target.example with ESMTPS id 3D; {at:{STAMP}}",
            f"from home-pc (unknown [198.51.100.23]) by mx1.isp.example.jp (Postfix) with ESMTP id 77AA88BC for <hanako@isp.example.jp>; {at:{STAMP}}",
        ]
    )  # fmt: skip
    report, _case = file(raw)
    a = attribution(report)
    assert "relayed_for_our_customer" not in codes(a)
    assert a["sending_method"] != "contracted_isp_server" and a["accounts"] == ["C-1"]


def test_method_1_webmail_used_from_abroad_without_a_login_in_the_line_is_found_by_message_id(file):
    # The submission line says the webmail logged in (ESMTPA) but names nobody, and the
    # client in the HTTP line is a browser abroad our SMTP log never saw: the Message-ID
    # our server logged for the submission finds the mail account.
    at = HANDOVER - timedelta(minutes=30)
    received = [
        f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {at:{STAMP}}",
        f"from webmail.isp.example.jp (localhost [127.0.0.1]) by smtp1.isp.example.jp (Postfix) with ESMTPA id 7B0C; {at:{STAMP}}",
        f"from 192.0.2.150 by webmail.isp.example.jp with HTTP (HTTP/1.1 POST); {at:{STAMP}}",
    ]  # fmt: skip
    report, _case = file(message(received, msgid="<run-1@pc.invalid>"))
    a = attribution(report)
    assert a["sending_method"] == "contracted_isp_server"
    assert a["accounts"][0] == "M-1" and "maillog_confirms" in codes(a)


def _from_shared_hosting(script_headers: str) -> bytes:
    # 203.0.113.70 is in the hosting block, which has no account: many sites share it.
    at = HANDOVER + timedelta(minutes=5)
    raw = message(
        [
            f"from www.shop.example.jp (www.shop.example.jp [203.0.113.70]) by mx.receiver.example (Postfix) with ESMTP id 5H1; {at:{STAMP}}",
            f"by www.shop.example.jp (Postfix, from userid 1001) id 9A8B7C; {at:{STAMP}}",
        ]
    )  # fmt: skip
    return raw.replace(b"From: sale@", script_headers.encode() + b"\r\nFrom: sale@", 1)


def test_a_script_planted_in_a_sites_uploads_names_the_site_and_the_compromise(file):
    report, case = file(
        _from_shared_hosting(
            "X-PHP-Originating-Script: 1001:x.php\r\n"
            "X-PHP-Script: www.shop.example.jp/wp-content/uploads/2026/11/x.php for 192.0.2.150"
        )
    )
    a = attribution(report)
    assert a["roles"] == ["sending"] and a["accounts"] == ["H-1"]
    assert a["sending_method"] == "hijacked_host"
    assert [c["key"] for c in a["compromise"]] == ["compromised_site"]
    assert "script_planted_in_site" in codes(a)
    assert case["recommendation"]["rule"] == "7"  # compromised site, hosting, sending: the victim's script


def test_a_sites_own_script_names_the_site_but_is_no_evidence_of_a_compromise(file):
    report, case = file(_from_shared_hosting("X-Source-Dir: shop.example.jp:/public_html/newsletter"))
    a = attribution(report)
    assert a["accounts"] == ["H-1"] and a["compromise"] == []
    assert a["sending_method"] == "self_operated_server"
    assert "A web script, /public_html/newsletter, on the site shop.example.jp (hosting account H-1) handed over the mail." in sentences(report)


# -- 2: the customer's own mail server ------------------------------------------------


@pytest.mark.parametrize(
    "helo", ["user-pc", "ubuntu-desktop", "bulk-sender", "mail.example.com", "DESKTOP-7Q2K9"]
)
def test_method_2_a_plain_host_name_is_a_signal_and_the_sender_is_not_a_victim(file, helo):
    report, case = file(message([direct("198.51.100.23", HANDOVER + timedelta(minutes=5), helo=helo)]))
    a = attribution(report)
    assert a["sending_method"] == "self_operated_server"
    assert a["probable_victim"] is False and a["compromise"] == []
    greeting = [s for s in report["findings"]["steps"] if s["code"] in ("helo_bare_name", "helo_host_name")]
    assert [s["weight"] for s in greeting] == ["signal"]
    assert any(s["key"].startswith("helo_") and s["value"] == helo for s in report["findings"]["signals"])
    assert case["sending_method"] == "self_operated_server"
    assert case["recommendation"]["culpability"] != "victim"


def test_method_2_a_missing_greeting_is_a_signal(file):
    hop = f"from (unknown [198.51.100.23]) by mx.receiver.example (Postfix) with ESMTP id 1A; {HANDOVER:{STAMP}}"
    report, _case = file(message([hop]))
    a = attribution(report)
    assert a["sending_method"] == "self_operated_server"
    assert {"key": "helo_missing", "value": ""} in a["signals"]
    assert (
        "The receiving server recorded no greeting from the sender. That alone shows nothing."
        in sentences(report)
    )


def test_method_2_a_report_without_hops_falls_back_to_the_mainstream_method(isp, staff_token):
    # A partner's short form: an address and a time in fields, no headers at all.
    answer = token_client(staff_token).post(
        "/api/v1/reports/",
        {"source_ip": "203.0.113.5", "occurred_at": HANDOVER.isoformat(), "category": "spam"},
        content_type="application/json",
    )
    report = Report.objects.get(pk=answer.json()["id"])
    from complaints.attribution.services import report_attribute

    a = report_attribute(report_id=report.pk)
    assert a["origin"]["basis"] == "field"
    assert a["sending_method"] == "self_operated_server" and not a["probable_victim"]
    assert "no_origin_hop" in codes(a) and "self_operated_by_default" in codes(a)


# -- 3: a hijacked machine, only on positive evidence ----------------------------------


@pytest.mark.parametrize(
    "helo, key",
    [
        ("xkqzvbtrwp", "helo_random"),
        ("[192.0.2.200]", "helo_foreign_literal"),
        ("mx.receiver.example", "helo_claims_receiver"),
        ("hotmail.com", "helo_claims_provider"),
    ],
)
def test_method_3_a_greeting_only_ratware_makes_is_evidence(file, helo, key):
    report, case = file(message([direct("198.51.100.23", HANDOVER + timedelta(minutes=5), helo=helo)]))
    a = attribution(report)
    assert a["sending_method"] == "hijacked_host"
    assert [c["key"] for c in a["compromise"]] == [key]
    assert a["probable_victim"] is True
    assert case["sending_method"] == "hijacked_host"
    assert case["recommendation"]["culpability"] == "victim"
    assert case["recommended_level"] == "L1"


def _listing(at) -> Evidence:
    return Evidence.objects.create(
        asked_at=at,
        subject="198.51.100.23",
        kind="dnsbl",
        query_name="23.100.51.198.xbl.test",
        query_type="A",
        zone="xbl.test",
        zone_kind="exploited",
        server="127.0.0.1:53",
        outcome="answer",
        answer=["127.0.0.4"],
        listed=True,
        digest="z" * 64,
    )


def test_method_3_an_exploited_listing_while_the_same_customer_held_the_address(file):
    _listing(HANDOVER + timedelta(hours=1))  # C-2 holds it from HANDOVER on
    report, _case = file(message([direct("198.51.100.23", HANDOVER + timedelta(minutes=5))]))
    a = attribution(report)
    assert a["sending_method"] == "hijacked_host"
    assert a["compromise"] == [{"key": "exploited_listing", "value": "xbl.test"}]


def test_a_listing_seen_after_the_address_changed_hands_is_only_a_signal(file):
    _listing(HANDOVER + timedelta(hours=1))  # seen while C-2 held it ...
    report, _case = file(message([direct("198.51.100.23", HANDOVER - timedelta(hours=1))]))  # ... C-1's spam
    a = attribution(report)
    assert a["accounts"] == ["C-1"]
    assert a["sending_method"] == "self_operated_server"
    assert a["compromise"] == []
    assert {"key": "exploited_listing_elsewhen", "value": "xbl.test"} in a["signals"]


def test_a_listing_long_after_the_spam_is_only_a_signal(file):
    _listing(HANDOVER + timedelta(days=10))
    report, _case = file(message([direct("203.0.113.5", HANDOVER)]))  # a static line
    assert attribution(report)["sending_method"] == "self_operated_server"


def _relay(at, recipient: str) -> bytes:
    return message(
        [
            direct("203.0.113.5", at, helo="mail.customer.example", rdns="mail.customer.example"),
            f"from bot.elsewhere.example (bot.elsewhere.example [192.0.2.201]) by mail.customer.example (Postfix) with SMTP id 77 for <{recipient}>; {at:{STAMP}}",
        ]
    )


def test_method_3_an_open_relay_took_mail_from_outside_for_a_foreign_recipient(file):
    report, _case = file(_relay(HANDOVER, "victim@receiver.example"))
    a = attribution(report)
    assert a["accounts"] == ["C-3"]
    assert a["sending_method"] == "hijacked_host"
    assert a["compromise"] == [{"key": "open_relay", "value": "192.0.2.201"}]


def test_a_relay_line_below_a_dynamic_line_is_only_a_signal(file):
    # A bot on a dynamic line writes a line "by" itself from a stranger: it names nobody
    # a victim (no relay runs there), and the walk still ends at the bot.
    at = HANDOVER + timedelta(minutes=5)
    raw = message(
        [
            f"from user-pc (p23-dyn.isp.example.jp [198.51.100.23]) by mx.receiver.example (Postfix) with ESMTP id 1U; {at:{STAMP}}",
            f"from mail.innocent.example (mail.innocent.example [192.0.2.99]) by user-pc (Postfix) with ESMTP id F1 for <victim@receiver.example>; {at:{STAMP}}",
        ]
    )  # fmt: skip
    report, _case = file(raw)
    a = attribution(report)
    assert a["accounts"] == ["C-2"] and a["compromise"] == []
    assert a["sending_method"] == "self_operated_server"
    assert {"key": "relayed_for_outsider", "value": "192.0.2.99"} in a["signals"]


def test_relaying_for_its_own_domain_is_what_a_forwarder_does_and_only_a_signal(file):
    report, _case = file(_relay(HANDOVER, "owner@customer.example"))
    a = attribution(report)
    assert a["sending_method"] == "self_operated_server"
    assert {"key": "relayed_for_outsider", "value": "192.0.2.201"} in a["signals"]


@pytest.mark.parametrize(
    ("recipient", "roles"), [("hanako@isp.example.jp", ["not_ours"]), ("victim@receiver.example", ["relay"])]
)
def test_our_server_forwarding_for_our_own_mailbox_is_no_relay(file, recipient, roles):
    # A customer's .forward: our MX took the spam for hanako@ and our server sent it on.
    at = HANDOVER
    raw = message(
        [
            f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {at:{STAMP}}",
            f"from bulk.example (host77.bulk-hoster.example [192.0.2.177]) by mx1.isp.example.jp (Postfix) with ESMTP id 1A for <{recipient}>; {at:{STAMP}}",
        ]
    )  # fmt: skip
    report, _case = file(raw)
    a = attribution(report)
    assert a["roles"] == roles and a["accounts"] == []
    assert ("forwarded_for_our_mailbox" in codes(a)) is (roles == ["not_ours"])


def test_method_3_many_reporters_within_minutes(file):
    raw = message([direct("203.0.113.5", HANDOVER, helo="mail.customer.example")])
    for n in range(10):
        report, case = file(raw, reporter=f"email:r{n}@receiver{n}.example")
    assert attribution(report)["compromise"] == [{"key": "reporter_burst", "value": "10"}]
    assert case["sending_method"] == "hijacked_host"  # the earlier reports' fallback yields


def test_method_3_on_the_customers_own_confirmation(file, staff, django_capture_on_commit_callbacks):
    report, case = file(message([direct("203.0.113.5", HANDOVER, helo="mail.customer.example")]))
    assert case["sending_method"] == "self_operated_server"
    with django_capture_on_commit_callbacks(execute=True):
        case_confirm(
            case=Case.objects.get(pk=case["id"]),
            kind="compromise",
            statement="Customer phoned: their NAS was infected, now cleaned.",
            actor=staff,
        )
    case = Case.objects.get(pk=case["id"])
    assert case.sending_method == "hijacked_host"
    assert case.recommendation["culpability"] == "victim"
    a = Report.objects.get(pk=report["id"]).attribution
    assert [c["key"] for c in a["compromise"]] == ["customer_confirmed"]


# -- 4: another provider's server ------------------------------------------------------


def _via_other_provider(marker: str, protocol="ESMTP") -> bytes:
    at = HANDOVER + timedelta(minutes=1)
    return message(
        [
            f"from mail.other-isp.example (mail.other-isp.example [192.0.2.19]) by mx.receiver.example with ESMTPS id 7F; {at:{STAMP}}",
            f"from pc (unknown [198.51.100.23]) {marker} by mail.other-isp.example with {protocol} id 8G; {at:{STAMP}}",
        ]
    )


@pytest.mark.parametrize(
    "marker, protocol",
    [("(POP before SMTP)", "ESMTP"), ("", "ESMTPA"), ("(authenticated bits=0)", "ESMTP")],
    ids=["pop-before-smtp", "smtp-auth-no-name", "sendmail-auth"],
)
def test_method_4_holds_with_any_authentication_marker(file, marker, protocol):
    report, case = file(_via_other_provider(marker, protocol))
    a = attribution(report)
    assert a["roles"] == ["sending"]
    assert a["sending_method"] == "other_isp_server"
    assert a["accounts"] == ["C-2"]  # our connection account at the client address
    assert a["relaying_network"]["host"] == "mail.other-isp.example"
    assert a["abuse_contact"]["email"] == "abuse@other-isp.example"  # whom rule 9 forwards to
    text = " ".join(sentences(report))
    assert "no login was recorded" in text and "?" not in text


def test_method_4_seen_from_the_connecting_side_is_a_lead_not_evidence(file):
    """Our customer's address appears only in the line the other provider's server wrote
    below its own: that server's word, which anyone running a server can write. The
    other reports of the same relay name nobody of ours. None of it counts toward the
    customer's evidence, however many reporters there are (POLICY.md rule 9: forward to
    the relaying provider; E1 needs a line we trust)."""
    at = HANDOVER + timedelta(minutes=1)
    report, case = file(_via_other_provider("(authenticated bits=0)"), reporter="email:a@receiver.example")
    assert attribution(report)["accounts"] == ["C-2"]  # the lead, shown with its source
    for n in range(2):
        plain = message([direct("192.0.2.19", at + timedelta(minutes=n + 1), rdns="mail.other-isp.example")])
        report, case = file(plain, reporter=f"email:r{n}@elsewhere.example")
    assert case["key"] == "ip:192.0.2.19" and case["reporter_count"] == 3
    assert case["evidence_level"] == "E0", case["recommendation"]["evidence_reasons"]
    assert case["recommendation"]["evidence_reasons"] == ["evidence.no_report_names_the_account"]


def test_method_4_with_a_login_named(file):
    report, _case = file(_via_other_provider("(Authenticated sender: spammer@other-isp.example)", "ESMTPSA"))
    assert "with the login spammer@other-isp.example" in " ".join(sentences(report))


def test_method_4_seen_by_a_receiver_that_trusts_the_providers_submission_server(file):
    # The receiving provider took the mail on its own submission port after a login.
    hop = f"from pc (unknown [198.51.100.23]) by smtp.mailbox-provider.example with ESMTPSA id 9A; {HANDOVER + timedelta(minutes=1):{STAMP}}"
    report, _case = file(message([hop]))
    a = attribution(report)
    assert a["sending_method"] == "other_isp_server"
    assert a["accounts"] == ["C-2"]
    assert "left_through_other_isp" in codes(a)


def test_a_line_blaming_our_customer_written_by_a_server_nobody_could_name_is_not_ours(file):
    # The receiver recorded no name for the server ("unknown"): its own line below,
    # claiming our customer logged in there, may be a joe job.
    raw = _via_other_provider("(Authenticated sender: taro)", "ESMTPSA").replace(
        b"(mail.other-isp.example [192.0.2.19])", b"(unknown [192.0.2.19])"
    )
    report, _case = file(raw)
    a = attribution(report)
    assert a["roles"] == ["not_ours"] and a["accounts"] == []


def test_an_unauthenticated_hop_through_another_server_is_not_ours(file):
    report, _case = file(_via_other_provider("", "ESMTP"))
    assert attribution(report)["roles"] == ["not_ours"]


# -- a stated origin, and nothing at all -----------------------------------------------


def test_a_phone_report_is_a_stated_origin_that_counts_once_staff_confirm_it(
    isp, staff, staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = staff_client.post(
            "/reports/new/",
            {
                "kind": "phone",
                "p-source_ip": "203.0.113.5",
                "p-occurred_at": "2026-11-20 14:30",
                "p-category": "spam",
                "p-message": "The caller read the address off a bounce.",
            },
        )
    assert answer.status_code == 302
    report = Report.objects.get()
    a = report.attribution
    assert a["origin"] == {
        "ip": "203.0.113.5",
        "basis": "stated",
        "at": a["origin"]["at"],
        "confirmed": False,
    }
    assert a["sending_method"] == "self_operated_server"  # no hops: nothing shows a hijack
    assert "no_origin_hop" in codes(a) and "helo_missing" not in codes(a)
    case = Case.objects.get(pk=report.case_id)
    assert case.evidence_level == "E0"
    assert case.recommendation["evidence_reasons"] == ["evidence.origin_stated_only"]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"/cases/{case.pk}/confirm/",
            {"kind": "stated_origin", "statement": "Checked the bounce the caller forwarded: 203.0.113.5."},
        )
    case.refresh_from_db()
    assert case.evidence_level == "E1"
    assert Report.objects.get().attribution["origin"]["confirmed"] is True


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"", "empty_report"),
        (b"Subject: help\r\n\r\nI got spam\r\n", "nothing_to_go_on"),
        (b"\x00\xff\xfe garbage \x00", None),
    ],
    ids=["empty", "nothing", "binary"],
)
def test_a_report_nobody_can_attribute_is_unknown_and_says_why(
    isp, django_capture_on_commit_callbacks, raw, code
):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_ingest(
            raw=raw, channel=Channel.MAILBOX, reporter_key="email:x@y.example", acknowledge=False
        ).report
    report.refresh_from_db()
    assert report.status == "manual_triage"
    a = report.attribution
    assert a["roles"] == ["unknown"]
    assert len(a["steps"]) == 1
    if code:
        assert a["steps"][0]["code"] == code


def test_method_1_a_webmail_account_signed_in_to_from_many_places_is_stolen(file):
    """Through our webmail every submission comes from localhost: the botnet shows in
    the sign-ins (IMAP and webmail logins from six addresses within minutes). The holder
    is a victim (rule 2), not a spammer (rule 1)."""
    at = HANDOVER - timedelta(minutes=30)
    for n in range(6):
        maillog_record(kind="login", service="imap", login="taro", client_ip=f"203.0.113.{100 + n}",
                       at=at - timedelta(minutes=n), host="mail1")
        maillog_record(kind="submission", service="smtp", login="taro", client_ip="127.0.0.1",
                       at=at - timedelta(minutes=n), host="smtp1", queue_id=f"WM{n}",
                       message_id=f"<wm-{n}@webmail.isp.example.jp>")
    received = [
        f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {at:{STAMP}}",
        f"from webmail.isp.example.jp (localhost [127.0.0.1]) (Authenticated sender: taro) by smtp1.isp.example.jp (Postfix) with ESMTPA id WM0; {at:{STAMP}}",
    ]  # fmt: skip
    report, case = file(message(received, msgid="<wm-0@webmail.isp.example.jp>"))
    a = attribution(report)
    assert a["accounts"][0] == "M-1"
    assert "many_client_addresses" in codes(a)
    assert [c["key"] for c in a["compromise"]] == ["stolen_credentials"]
    assert case["recommendation"]["rule"] == "2", case["recommendation"]


@pytest.mark.parametrize(
    ("history", "new"),
    [
        ([("198.51.100.40", 3), ("198.51.100.41", 4)], True),  # always at home before: abroad now is new
        ([("185.220.101.77", 6)], False),  # the same foreign /24 last week: the holder's own habit
        (None, False),  # no history to compare with: says nothing
        ([("198.51.100.40", 3), ("185.220.101.5", 0.1), ("185.220.101.6", 0.05)], True),  # the thief's run
    ],
)
def test_method_1_a_login_from_a_network_it_never_used_is_not_called_intentional(file, history, new):
    """A phished password used from one address abroad: taro's account had only been used
    from home (our network) in the month before, and now submits from 185.220.101.5. A
    stolen password, a trip or a phone on another carrier look alike here: a signal, and
    the holder's culpability stays undetermined until a person checks (it was rule 1,
    intentional at E2). The thief's own use in the hours before is this run, not history."""
    at = HANDOVER - timedelta(minutes=30)
    if history is None:
        MailLogEntry.objects.filter(login="taro").delete()  # the fixture's own submission from home
    for ip, days in history or []:
        maillog_record(kind="login", service="imap", login="taro", client_ip=ip, at=at - timedelta(days=days),
                       host="mail1")  # fmt: skip
    maillog_record(kind="submission", service="smtp", login="taro", client_ip="185.220.101.5", at=at,
                   host="smtp1", queue_id="AB1", message_id="<abroad@pc.invalid>")  # fmt: skip
    received = [
        f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {at:{STAMP}}",
        f"from [185.220.101.5] (unknown [185.220.101.5]) (Authenticated sender: taro) by smtp1.isp.example.jp (Postfix) with ESMTPSA id AB1; {at:{STAMP}}",
    ]  # fmt: skip
    for n in range(3):  # three reporters: E2, where rule 1 calls the holder intentional
        report, case = file(message(received, msgid="<abroad@pc.invalid>"), reporter=f"email:r{n}@x{n}.example")
    a = attribution(report)
    assert a["accounts"] == ["M-1"] and a["compromise"] == []
    assert ("login_from_new_network" in codes(a)) is new
    recommendation = case["recommendation"]
    assert recommendation["rule"] == "1" and case["evidence_level"] == "E2"
    assert recommendation["culpability"] == ("undetermined" if new else "intentional")
    if new:
        assert "a person should check" in " ".join(s["text"] for s in report["findings"]["steps"])
