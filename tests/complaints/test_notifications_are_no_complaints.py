"""Mail that reaches the abuse mailbox but in which nobody complains: bounces (also the
many written as plain text, without an RFC 3464 status part), an e-mail sending
service's notifications, a vacation reply, and feedback reports that are no complaint
(opt-out, authentication failure). They go to a person with the reason, name no
customer, open no case and are never counted as complaints.

Samples: sisimai/set-of-emails (BSD-2-Clause), see tests/fixtures/notifications/NOTICE.md.
Each test gives the address the misread would accuse to a customer of the `isp` fixture,
so that a misread names somebody."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaints.choices import Channel, ReportStatus
from complaints.models import Case, Evidence, Report
from complaints.services.mailbox import ingest_mail
from sanctions.facts import case_facts
from subscribers.models import Account
from subscribers.services import block_upsert, maillog_record, session_record
from tests.attribution.conftest import isp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOTICES = FIXTURES / "notifications" / "sisimai"
BOUNCE = "a delivery status notification (a bounce), not an abuse report: nothing is attributed"
AUTOMATIC_REPLY = "an automatic reply (out of office, a ticket receipt): not an abuse report"
NO_SOURCE = "no source address, login or advertised host found"


def _file(raw: bytes, capture) -> list[Report]:
    before = set(Report.objects.values_list("pk", flat=True))
    with capture(execute=True):
        ingest_mail(raw, channel=Channel.MAILBOX, acknowledge=False)
    return list(Report.objects.exclude(pk__in=before).order_by("pk"))


def _named(reports: list[Report]) -> list[str]:
    return sorted({a for r in reports for a in (r.attribution or {}).get("accounts", [])})


def _counted(case: Case) -> int:
    return len(case_facts(case).reports)


def _static(ip: str) -> None:
    block_upsert(prefix=f"{ip}/32", kind="static", account_id="C-3")


def _session_of_c1(ip: str, at: datetime) -> None:
    c1 = Account.objects.get(account_id="C-1")
    session_record(account=c1, ip=ip, started_at=at - timedelta(days=1), stopped_at=at + timedelta(days=1))


def _assert_a_bounce(reports: list[Report]) -> None:
    assert [(r.status, r.status_reason) for r in reports] == [(ReportStatus.MANUAL_TRIAGE, BOUNCE)]
    assert reports[0].case_id is None and Case.objects.count() == 0
    assert _named(reports) == []


# -- bounces --------------------------------------------------------------------------


def test_text_bounce_of_a_customers_mail_is_a_bounce_naming_nobody(isp, django_capture_on_commit_callbacks):  # noqa: F811
    """Exchange Online "Undeliverable:" from postmaster@, text only, with the returned
    message's headers pasted: that message left 198.51.100.2 while C-1 held it. Nobody
    complained about C-1."""
    _session_of_c1("198.51.100.2", datetime(2015, 4, 29, 14, 34, 45, tzinfo=UTC))
    reports = _file((NOTICES / "lhost-office365-02.eml").read_bytes(), django_capture_on_commit_callbacks)
    _assert_a_bounce(reports)


def test_bounce_of_mail_our_server_logged_names_no_mail_account(isp, django_capture_on_commit_callbacks):  # noqa: F811
    """qmail "failure notice" (Return-Path <>, text only): the returned message went through
    our mail server (192.0.2.4) and the mail log holds its submission by "taro". Even at
    that evidence, a bounce of taro's mail is nobody's complaint about taro."""
    maillog_record(
        kind="submission", service="smtp", login="taro", client_ip="198.51.100.77",
        at=datetime(2013, 4, 23, 14, 59, 58, tzinfo=UTC), host="smtp1", queue_id="Q1",
        message_id="<000000000.9999999999999.JavaMail.postmaster@mailhub>",
    )  # fmt: skip
    reports = _file((NOTICES / "lhost-qmail-01.eml").read_bytes(), django_capture_on_commit_callbacks)
    _assert_a_bounce(reports)


@pytest.mark.parametrize(
    "name, accused",
    [
        # Exchange 5.5 "Undeliverable:" whose body is TNEF: no readable copy; the gateway
        # that wrote the bounce (192.0.2.23) is no spam's source.
        ("lhost-exchange2003-01.eml", "192.0.2.23"),
        # Exim: "host mx49.neko.example.co.jp [192.0.2.82]: 550 ...", the refusing MX.
        ("lhost-exim-05.eml", "192.0.2.82"),
        # "From: MAILER-DAEMON <>"; "... [74.125.203.27] did not like our RCPT TO".
        ("lhost-dragonfly-01.eml", "74.125.203.27"),
        # A multipart/report of a delivery status from "Mail Delivery Service <bosscat@...>".
        ("rfc3464-07.eml", None),
        # Sendmail "Returned mail: Cannot send message for 5 days" with no From at all.
        ("rfc3464-36.eml", None),
        # Exim at mail.ru, Auto-Submitted: auto-replied, Russian subject: a bounce, not
        # "an automatic reply".
        ("lhost-mailru-01.eml", None),
        # Amazon SES "Bounce" and "Delivery" notifications (JSON through SNS): the host
        # that relayed the notification is no spam's source.
        ("lhost-amazonses-09.eml", "192.0.2.153"),
        ("lhost-amazonses-12.eml", "192.0.2.222"),
    ],
)
def test_bounces_go_to_a_person_as_bounces(isp, django_capture_on_commit_callbacks, name, accused):  # noqa: F811
    if accused:
        _static(accused)
    reports = _file((NOTICES / name).read_bytes(), django_capture_on_commit_callbacks)
    _assert_a_bounce(reports)
    assert reports[0].source_ip is None
    assert not Evidence.objects.exists()  # nothing was looked up about a bounce


def test_a_person_forwarding_a_bounce_still_complains(isp, django_capture_on_commit_callbacks):  # noqa: F811
    """ "Fwd: Returned mail: see transcript for details" from a person: they write about
    the bounce (backscatter, it may be); it is read as their complaint, not as a bounce."""
    reports = _file((NOTICES / "lhost-sendmail-14.eml").read_bytes(), django_capture_on_commit_callbacks)
    assert reports[0].status_reason != BOUNCE
    assert reports[0].facts["message_kind"] == "complaint"


# -- a sending service's complaint notice, a vacation reply -----------------------------


def test_ses_complaint_notice_names_nobody_from_its_own_route(isp, django_capture_on_commit_callbacks):  # noqa: F811
    """An Amazon SES "Complaint" notification is a feedback loop about mail that left
    Amazon's servers: it names no address of ours, and the route of the notification
    (192.0.2.222 relayed it) is never the spam's."""
    _static("192.0.2.222")
    raw = (FIXTURES / "real" / "sisimai" / "lhost-amazonses-11.eml").read_bytes()
    reports = _file(raw, django_capture_on_commit_callbacks)
    assert [(r.status, r.status_reason) for r in reports] == [(ReportStatus.MANUAL_TRIAGE, NO_SOURCE)]
    assert reports[0].facts["message_kind"] == "machine_report"
    assert reports[0].source_ip is None and reports[0].case_id is None
    assert reports[0].mail_from == "kijitora@neko.example.jp"
    assert _named(reports) == []


def test_vacation_reply_without_auto_submitted_is_an_automatic_reply(isp, django_capture_on_commit_callbacks):  # noqa: F811
    """iCloud: "Subject: Auto reply: ...", In-Reply-To, X-Apple-Action: VACATION and no
    Auto-Submitted. Its sender, iCloud's outbound server, is no spam's source."""
    _static("17.58.63.181")
    reports = _file((NOTICES / "rfc3834-03.eml").read_bytes(), django_capture_on_commit_callbacks)
    assert [(r.status, r.status_reason) for r in reports] == [(ReportStatus.MANUAL_TRIAGE, AUTOMATIC_REPLY)]
    assert reports[0].case_id is None and _named(reports) == []


# -- feedback that is no complaint ------------------------------------------------------


def _arf(name: str, *, reporter: str, feedback_type: str | None = None) -> bytes:
    raw = (FIXTURES / "reports" / "sisimai" / name).read_bytes()
    raw = raw.replace(b"From: <kijitora@example.com>", f"From: <{reporter}>".encode(), 1)
    if feedback_type:
        raw = raw.replace(b"Feedback-Type: opt-out", f"Feedback-Type: {feedback_type}".encode(), 1)
    return raw


def test_opt_out_feedback_opens_no_case(isp, django_capture_on_commit_callbacks):  # noqa: F811
    """Feedback-Type: opt-out: three recipients asking to leave a list are no complaints
    about C-3's line."""
    _static("192.0.2.89")
    reports = []
    for n in range(3):
        raw = _arf("arf-12.eml", reporter=f"fbl{n}@r{n}.example")
        reports += _file(raw, django_capture_on_commit_callbacks)
    assert [r.category for r in reports] == ["opt-out"] * 3
    assert all(r.case_id is None for r in reports) and Case.objects.count() == 0


def test_opt_out_joins_an_open_case_but_is_not_counted(isp, django_capture_on_commit_callbacks):  # noqa: F811
    """One spam complaint about C-3's line opens the case; unsubscribe requests about the
    same line join it as signals and leave the count of complaints at one."""
    _static("192.0.2.89")
    first = _file(
        _arf("arf-12.eml", reporter="fbl@r.example", feedback_type="abuse (spam)"),
        django_capture_on_commit_callbacks,
    )
    assert first[0].category == "spam"  # an RFC 5322 comment beside the type is no other type
    case = Case.objects.get(pk=first[0].case_id)
    assert _counted(case) == 1
    for feedback_type, n in (("opt-out", 1), ("unsubscribe", 2)):
        raw = _arf("arf-12.eml", reporter=f"fbl{n}@r{n}.example", feedback_type=feedback_type)
        (report,) = _file(raw, django_capture_on_commit_callbacks)
        assert report.category == "opt-out" and report.case_id == case.pk
    assert _counted(case) == 1


def test_dmarc_failure_report_opens_no_case(isp, django_capture_on_commit_callbacks):  # noqa: F811
    """A DMARC failure report (RFC 6591, Feedback-Type: auth-failure) tells a domain's
    owner that mail using its domain failed authentication: nobody complained."""
    _static("192.0.2.222")
    reports = _file(
        (FIXTURES / "reports" / "sisimai" / "arf-18.eml").read_bytes(), django_capture_on_commit_callbacks
    )
    assert [(r.format, r.category) for r in reports] == [("dmarc-forensic", "auth-failure")]
    assert reports[0].case_id is None and Case.objects.count() == 0
