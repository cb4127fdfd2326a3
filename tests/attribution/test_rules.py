"""Each attribution rule of issue #4 on a report built to match it."""

from datetime import UTC, datetime, timedelta

import pytest

from complaints.attribution.services import reattribute_changed, report_attribute
from complaints.choices import Channel
from complaints.models import Evidence, NetworkContact, Report
from complaints.services import report_ingest
from subscribers.models import Account
from subscribers.services import session_record
from tests.attribution.conftest import HANDOVER

pytestmark = pytest.mark.django_db
_counter = iter(range(10**6))


def message(received: list[str], *, url="http://cheap.example.net/x", msgid=None) -> bytes:
    lines = [f"Received: {r}" for r in received]
    lines += [
        "From: sale@spammer.example",
        "To: victim@receiver.example",
        "Subject: Cheap pills",
        f"Message-ID: {msgid or f'<m{next(_counter)}@pc.invalid>'}",
        "Date: Fri, 20 Nov 2026 14:00:00 +0900",
        "",
        f"Buy now {url}",
        "",
    ]
    return "\r\n".join(lines).encode()


def attributed(raw: bytes, reporter="email:a@receiver.example") -> dict:
    report = report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False).report
    return report_attribute(report_id=report.pk)


def direct(ip: str, at: datetime, helo="mail.bulk-sender.example", rdns="unknown") -> str:
    return f"from {helo} ({rdns} [{ip}]) by mx.receiver.example (Postfix) with ESMTP id 1A; {at:%a, %d %b %Y %H:%M:%S +0000}"


def codes(result) -> list[str]:
    return [s["code"] for s in result["steps"]]


def test_a_dynamic_address_is_blamed_on_who_held_it_then(isp):
    before = attributed(message([direct("198.51.100.23", HANDOVER - timedelta(minutes=1))]))
    after = attributed(message([direct("198.51.100.23", HANDOVER + timedelta(minutes=5))]))
    assert before["roles"] == ["sending"] and before["accounts"] == ["C-1"]
    assert after["accounts"] == ["C-2"]  # handed over five minutes earlier: not C-1
    assert {"type": "session", "id": before["records"][1]["id"]} in before["records"]


def test_the_headers_own_zone_offset_decides_the_instant(isp):
    # 14:28:59 +0900 is 05:28:59Z, a minute before the handover.
    hop = "from mail.bulk-sender.example (unknown [198.51.100.23]) by mx.receiver.example with ESMTP id 2B; Fri, 20 Nov 2026 14:28:59 +0900"
    assert attributed(message([hop]))["accounts"] == ["C-1"]


def test_an_open_session_covers_the_present(isp):
    result = attributed(message([direct("198.51.100.23", HANDOVER + timedelta(days=3))]))
    assert result["accounts"] == ["C-2"]


def test_an_address_in_a_delegated_ipv6_prefix(isp):
    result = attributed(message([direct("2001:db8:1000:100::25", HANDOVER)]))
    assert result["roles"] == ["sending"] and result["accounts"] == ["C-1"]


def test_a_pool_address_nobody_held_names_no_account(isp):
    result = attributed(message([direct("198.51.100.99", HANDOVER)]))
    assert result["roles"] == ["sending"] and result["accounts"] == []
    assert "no_session_at_time" in codes(result)


def test_a_static_line_with_its_own_mail_server_is_self_operated(isp):
    result = attributed(message([direct("203.0.113.5", HANDOVER)]))
    assert result["accounts"] == ["C-3"]
    assert result["sending_method"] == "self_operated_server"
    assert not result["probable_victim"]


def test_a_sub_allocated_block_names_the_holder_and_blames_no_account(isp):
    result = attributed(message([direct("203.0.113.200", HANDOVER)]))
    assert result["roles"] == ["sending"]
    assert result["accounts"] == []
    assert result["sub_allocation"]["subscriber_id"] == "S-9"
    assert result["sub_allocation"]["abuse_contact"] == "abuse@transit.example"


def test_submission_through_our_server_with_a_login_is_the_contracted_server(isp):
    at = HANDOVER - timedelta(minutes=30)
    result = attributed(
        message(
            [
                f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {at:%a, %d %b %Y %H:%M:%S +0000}",
                f"from pc (unknown [198.51.100.23]) (Authenticated sender: taro) by smtp1.isp.example.jp (Postfix) with ESMTPSA id 4F2A1C3D; {at:%a, %d %b %Y %H:%M:%S +0000}",
            ],
            msgid="<run-1@pc.invalid>",
        )
    )
    assert result["sending_method"] == "contracted_isp_server"
    assert result["accounts"] == ["M-1", "C-1"]
    assert "maillog_confirms" in codes(result)
    assert any(r["type"] == "maillog" for r in result["records"])


def test_pop_before_smtp_relay_for_an_outside_address(isp):
    at = HANDOVER
    result = attributed(
        message(
            [
                f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 5D; {at:%a, %d %b %Y %H:%M:%S +0000}",
                f"from client.elsewhere.example (client.elsewhere.example [192.0.2.140]) by smtp1.isp.example.jp (Postfix) with ESMTP id 6E; {at:%a, %d %b %Y %H:%M:%S +0000}",
            ]
        )
    )
    assert result["roles"] == ["relay"]
    assert result["sending_method"] == "other_isp_server"
    assert result["accounts"] == ["M-2"]
    assert "pop_before_smtp" in codes(result)


def test_pop_before_smtp_with_two_mailboxes_read_from_the_address_names_neither(isp):
    """POP before SMTP opens the relay to an address, not a mailbox: two mailboxes read
    from one office NAT address just before the mail, and either owner could have sent."""
    from subscribers.services import maillog_record

    maillog_record(
        kind="login",
        service="pop3",
        login="taro",
        client_ip="192.0.2.140",
        at=HANDOVER - timedelta(minutes=2),
        host="pop1",
    )
    at = HANDOVER
    result = attributed(
        message(
            [
                f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 5D; {at:%a, %d %b %Y %H:%M:%S +0000}",
                f"from client.elsewhere.example (client.elsewhere.example [192.0.2.140]) by smtp1.isp.example.jp (Postfix) with ESMTP id 6E; {at:%a, %d %b %Y %H:%M:%S +0000}",
            ]
        )
    )
    assert result["roles"] == ["relay"] and result["accounts"] == []
    assert "pop_before_smtp_ambiguous" in codes(result) and "pop_before_smtp" not in codes(result)
    assert len([r for r in result["records"] if r["type"] == "maillog"]) == 2


@pytest.mark.parametrize(("minutes", "accounts"), [(20, ["M-1"]), (29, ["M-1"]), (31, [])])
def test_pop_before_smtp_holds_for_the_relays_grace_period(isp, minutes, accounts):
    """The relay stays open to the address for 30 minutes after the mailbox was read."""
    from subscribers.services import maillog_record

    at = HANDOVER
    maillog_record(
        kind="login",
        service="pop3",
        login="taro",
        client_ip="192.0.2.141",
        at=at - timedelta(minutes=minutes),
        host="pop1",
    )
    result = attributed(
        message(
            [
                f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 5D; {at:%a, %d %b %Y %H:%M:%S +0000}",
                f"from client.elsewhere.example (client.elsewhere.example [192.0.2.141]) by smtp1.isp.example.jp (Postfix) with ESMTP id 6E; {at:%a, %d %b %Y %H:%M:%S +0000}",
            ]
        )
    )
    assert result["accounts"] == accounts


def test_our_customer_sending_through_another_isps_server(isp):
    at = HANDOVER + timedelta(minutes=1)
    result = attributed(
        message(
            [
                f"from mail.other-isp.example (mail.other-isp.example [192.0.2.19]) by mx.receiver.example with ESMTPS id 7F; {at:%a, %d %b %Y %H:%M:%S +0000}",
                f"from pc (unknown [198.51.100.23]) (Authenticated sender: spammer@other-isp.example) by mail.other-isp.example with ESMTPSA id 8G; {at:%a, %d %b %Y %H:%M:%S +0000}",
            ]
        )
    )
    assert result["roles"] == ["sending"]
    assert result["sending_method"] == "other_isp_server"
    assert result["accounts"] == ["C-2"]
    assert result["relaying_network"]["host"] == "mail.other-isp.example"


def test_a_blocklisted_origin_is_a_hijacked_host_and_the_holder_a_probable_victim(isp):
    Evidence.objects.create(
        asked_at=HANDOVER + timedelta(hours=2),  # around the time of the spam
        subject="203.0.113.5",
        kind="dnsbl",
        query_name="5.113.0.203.xbl.test",
        query_type="A",
        zone="xbl.test",
        zone_kind="exploited",
        server="127.0.0.1:53",
        outcome="answer",
        answer=["127.0.0.4"],
        listed=True,
        digest="x" * 64,
    )
    result = attributed(message([direct("203.0.113.5", HANDOVER)]))
    assert result["sending_method"] == "hijacked_host"
    assert result["probable_victim"] is True
    assert result["accounts"] == ["C-3"]


def test_a_bot_greeting_marks_a_hijacked_host(isp):
    result = attributed(message([direct("198.51.100.23", HANDOVER, helo="xkqzvbtrwp")]))
    assert result["sending_method"] == "hijacked_host"
    assert "helo_random" in codes(result)
    assert result["compromise"] == [{"key": "helo_random", "value": "xkqzvbtrwp"}]


def test_a_windows_pcs_own_name_is_only_a_signal(isp):
    result = attributed(message([direct("198.51.100.23", HANDOVER, helo="DESKTOP-7Q2K9")]))
    assert result["sending_method"] == "self_operated_server"
    assert result["probable_victim"] is False
    assert "helo_bare_name" in codes(result)
    assert any(s["key"].startswith("helo_") and s["value"] == "DESKTOP-7Q2K9" for s in result["signals"])


def test_a_site_on_our_hosting_is_matched_by_domain(isp):
    result = attributed(message([direct("192.0.2.177", HANDOVER)], url="http://www.shop.example.jp/buy"))
    assert "hosting" in result["roles"] and result["accounts"] == ["H-1"]


def test_a_self_hosted_site_on_a_static_line(isp):
    Evidence.objects.create(
        subject="home.example.org",
        kind="a",
        query_name="home.example.org",
        query_type="A",
        server="127.0.0.1:53",
        outcome="answer",
        answer=["203.0.113.5"],
        digest="y" * 64,
    )
    result = attributed(message([direct("192.0.2.177", HANDOVER)], url="http://home.example.org/"))
    assert result["roles"] == ["hosting"] and result["accounts"] == ["C-3"]
    assert "self_hosted_on_connection" in codes(result)


def test_spam_received_by_our_mx_from_elsewhere_is_receiving(isp):
    at = HANDOVER
    hop = f"from bulk.elsewhere.example (bulk.elsewhere.example [192.0.2.177]) by mx1.isp.example.jp (Postfix) with ESMTP id 9H; {at:%a, %d %b %Y %H:%M:%S +0000}"
    result = attributed(message([hop]))
    assert result["roles"] == ["receiving"]


def test_nothing_of_ours_names_the_responsible_network(isp):
    result = attributed(message([direct("192.0.2.177", HANDOVER, rdns="host77.bulk-hoster.example")]))
    assert result["roles"] == ["not_ours"]
    assert result["abuse_contact"] == {
        "email": "abuse@bulk-hoster.example",
        "name": "bulk-hoster.example",
        "source": "rfc2142",
    }


def test_the_contact_registry_beats_the_rfc2142_guess(isp):
    contact = NetworkContact(name="Bulk Hoster", prefix="192.0.2.128/25", abuse_email="noc@bulk.example")
    contact.full_clean()
    contact.save()
    result = attributed(message([direct("192.0.2.177", HANDOVER, rdns="host77.bulk-hoster.example")]))
    assert result["abuse_contact"]["email"] == "noc@bulk.example"


def test_a_report_with_nothing_to_go_on_is_unknown(isp):
    report = report_ingest(
        raw=b"Subject: help\r\n\r\nI got spam\r\n",
        channel=Channel.MAILBOX,
        reporter_key="email:x@y.example",
        acknowledge=False,
    ).report
    assert report_attribute(report_id=report.pk)["roles"] == ["unknown"]


def test_attribution_follows_a_session_imported_later(isp):
    raw = message([direct("198.51.100.99", HANDOVER)])
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key="email:a@b.example", acknowledge=False
    ).report
    assert report_attribute(report_id=report.pk)["accounts"] == []
    session_record(
        account=Account.objects.get(account_id="C-3"),
        ip="198.51.100.99",
        started_at=HANDOVER - timedelta(hours=1),
        stopped_at=HANDOVER + timedelta(hours=1),
    )
    assert reattribute_changed() == 1
    report.refresh_from_db()
    assert report.attribution["accounts"] == ["C-3"]
    assert reattribute_changed() == 0  # nothing changed since


def test_the_case_rolls_up_roles_methods_and_accounts(isp, staff_token):
    from tests.personas import token_client

    for reporter in ("email:a@x.example", "email:b@y.example"):
        attributed(message([direct("198.51.100.23", HANDOVER + timedelta(minutes=2))]), reporter)
    report = report_ingest(
        raw=message([direct("198.51.100.23", HANDOVER + timedelta(minutes=3))]),
        channel=Channel.MAILBOX,
        reporter_key="email:c@z.example",
        acknowledge=False,
    ).report
    report_attribute(report_id=report.pk)
    case = token_client(staff_token).get(f"/api/v1/cases/{report.case_id}/").json()
    assert case["roles"] == ["sending"]
    assert case["sending_method"] == "self_operated_server"
    assert case["accounts"] == ["C-2"]
    detail = token_client(staff_token).get(f"/api/v1/reports/{report.pk}/").json()
    assert detail["attribution"]["accounts"] == ["C-2"]
    assert codes(detail["attribution"])[:2] == ["origin_walked", "origin_in_our_block"]


def test_attribution_runs_after_intake_on_commit(isp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_ingest(
            raw=message([direct("198.51.100.23", HANDOVER + timedelta(minutes=1))]),
            channel=Channel.MAILBOX,
            reporter_key="email:a@b.example",
            acknowledge=False,
        ).report
    report.refresh_from_db()
    assert report.attribution["accounts"] == ["C-2"]
    assert report.attributed_at is not None


def test_time_is_checked_in_utc_for_a_report_from_another_zone(isp):
    at = datetime(2026, 11, 20, 0, 28, 59, tzinfo=UTC) + timedelta(hours=5)  # 05:28:59Z
    hop = f"from mail.x.example (unknown [198.51.100.23]) by mx.receiver.example with ESMTP id 1; {at.astimezone().strftime('%a, %d %b %Y %H:%M:%S %z')}"
    assert attributed(message([hop]))["accounts"] == ["C-1"]


def test_the_browser_shows_the_reasoning_as_sentences(isp, staff_client):
    raw = message([direct("198.51.100.23", HANDOVER - timedelta(minutes=1))])
    report = report_ingest(
        raw=raw, channel=Channel.MAILBOX, reporter_key="email:a@b.example", acknowledge=False
    ).report
    report_attribute(report_id=report.pk)
    page = staff_client.get(f"/reports/{report.pk}/").content.decode()
    assert "Our session log shows C-1 held 198.51.100.23 at that moment" in page
    case_page = staff_client.get(f"/cases/{report.case_id}/").content.decode()
    assert "C-1" in case_page and "own mail server" in case_page  # the method's label, not its code
    ja = staff_client.get(f"/cases/{report.case_id}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "C-1" in ja and "利用者自身のメールサーバー" in ja


def test_a_transit_customers_network_makes_us_upstream(isp):
    result = attributed(message([direct("198.18.4.5", HANDOVER)]))
    assert result["roles"] == ["upstream"]
    assert result["accounts"] == []
    assert result["sub_allocation"]["abuse_contact"] == "noc@transit.example"
    assert "transit_customer" in codes(result)


def test_the_incremental_case_summary_equals_a_full_recount(isp):
    from complaints.attribution.services import case_rollup
    from complaints.models import Case

    for i, helo in enumerate(["mail.x.example", "qxzvbkwtrp", "mail.y.example"]):
        attributed(
            message([direct("198.51.100.23", HANDOVER + timedelta(minutes=i + 1), helo=helo)]),
            f"email:r{i}@x",
        )
    case = Case.objects.get()
    incremental = case.attribution
    case_rollup(case_id=case.pk)
    case.refresh_from_db()
    assert case.attribution == incremental
    assert incremental["methods"] == {"self_operated_server": 2, "hijacked_host": 1}
    assert incremental["reports_attributed"] == 3
    # Evidence that the machine was compromised outranks the fallback most reports show.
    assert case.sending_method == "hijacked_host"
    assert incremental["compromise"] == [{"key": "helo_random", "value": "qxzvbkwtrp"}]


def test_the_nearest_registered_parent_domain_names_the_contact(isp):
    # Registered in this order, so the farther parent has the lower key: nearness decides.
    for name, domain, email in (
        ("Bulk Group", "bulk-hoster.example", "abuse@group.example"),
        ("Bulk Hoster Tokyo", "tokyo.bulk-hoster.example", "noc-tokyo@bulk.example"),
    ):
        contact = NetworkContact(name=name, domain=domain, abuse_email=email)
        contact.full_clean()
        contact.save()
    result = attributed(message([direct("192.0.2.177", HANDOVER, rdns="host77.tokyo.bulk-hoster.example")]))
    assert result["abuse_contact"] == {
        "email": "noc-tokyo@bulk.example",
        "name": "Bulk Hoster Tokyo",
        "source": "registry",
    }
    result = attributed(message([direct("192.0.2.178", HANDOVER, rdns="host78.osaka.bulk-hoster.example")]))
    assert result["abuse_contact"]["email"] == "abuse@group.example"


def _dated_by_the_sender_only(ip: str, date: datetime) -> bytes:
    """The receiver's line has no time (some MTAs, some copies); only the sender's Date."""
    raw = message([f"from pc ([{ip}]) by mx.receiver.example (Postfix) with ESMTP id 2B"])
    return raw.replace(
        b"Date: Fri, 20 Nov 2026 14:00:00 +0900", f"Date: {date:%a, %d %b %Y %H:%M:%S +0000}".encode()
    )


def test_a_time_only_the_sender_wrote_names_no_holder_of_a_dynamic_address_it_could_get_wrong(isp):
    # Half an hour before C-1 handed the address to C-2, by the sender's clock: a bot's
    # clock an hour off would blame the other customer.
    result = attributed(_dated_by_the_sender_only("198.51.100.23", HANDOVER - timedelta(minutes=30)))
    assert result["accounts"] == []
    assert "holder_needs_a_trusted_time" in codes(result)
    assert Report.objects.get().case.kind == "address"  # not the session's case


def test_a_time_only_the_sender_wrote_still_names_a_holder_no_clock_error_can_change(isp):
    # Two days into C-2's session, which is still open: a day either way is still C-2.
    result = attributed(_dated_by_the_sender_only("198.51.100.23", HANDOVER + timedelta(days=2)))
    assert result["accounts"] == ["C-2"] and "holder_needs_a_trusted_time" not in codes(result)
    # A static line has one holder whatever the time.
    result = attributed(_dated_by_the_sender_only("203.0.113.5", HANDOVER - timedelta(minutes=30)))
    assert result["accounts"] == ["C-3"]


@pytest.mark.parametrize(
    "offset",
    [
        timedelta(seconds=-29),
        timedelta(seconds=-1),
        timedelta(0),
        timedelta(seconds=1),
        timedelta(seconds=29),
    ],
)
def test_an_instant_within_two_clocks_skew_of_a_handover_names_nobody(isp, offset):
    """The receiver's clock and our session log's may each be off by the skew the parser
    allows two synchronised clocks: seconds either side of a change of hands, either
    holder may have sent it, and naming the wrong one is the worst outcome."""
    a = attributed(message([direct("198.51.100.23", HANDOVER + offset)]))
    assert a["accounts"] == [], codes(a)
    assert "holder_at_a_handover" in codes(a)
    assert a["roles"] == ["sending"]  # still our address, still our problem: a person decides


@pytest.mark.parametrize(
    ("offset", "holder"), [(timedelta(seconds=-31), "C-1"), (timedelta(seconds=31), "C-2")]
)
def test_an_instant_clear_of_the_handover_margin_names_its_holder(isp, offset, holder):
    a = attributed(message([direct("198.51.100.23", HANDOVER + offset)]))
    assert a["accounts"] == [holder], codes(a)
    assert "holder_at_a_handover" not in codes(a)


def test_a_session_beginning_on_an_idle_address_names_its_holder_at_once(isp):
    """No one held the address before: nobody else could have sent from it, however the
    two clocks differ."""
    c3 = Account.objects.get(account_id="C-3")
    start = HANDOVER + timedelta(days=1)
    session_record(account=c3, ip="198.51.100.77", started_at=start)
    a = attributed(message([direct("198.51.100.77", start + timedelta(seconds=2))]))
    assert a["accounts"] == ["C-3"], codes(a)
