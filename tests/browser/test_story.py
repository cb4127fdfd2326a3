"""The whole story in a real browser, once in English and once in Japanese.

A partner files a report over the API; staff find the case in the queue by a
filter, read the attribution, open the content (logged), propose a suspension
with justification and clause; a manager approves it from the review queue;
the measure is confirmed as carried out; the customer notice reaches a real
SMTP server; the measure is lifted.
"""

from __future__ import annotations

import email
import email.policy
import json
import urllib.request
from datetime import timedelta

import pytest

from abusedesk.models import AuditEntry
from complaints.models import Case
from complaints.services import report_ingest
from complaints.services.partners import partner_create
from sanctions.models import Sanction
from sanctions.services.recommend import refresh_stale_recommendations
from tests.attribution.conftest import HANDOVER, isp  # noqa: F401  (fixture)
from tests.attribution.test_rules import direct, message
from tests.support.smtpsink import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp(settings):
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = False
    yield sink
    sink.stop()


def file_over_the_api(live_server, key: str, raw: bytes) -> dict:
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/reports/",
        data=raw,
        method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": "message/rfc822"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.load(response)


def transition(page, action: str, comment: str) -> None:
    form = page.locator("form.transition", has=page.locator(f"button[name=action][value={action}]"))
    form.locator("textarea[name=reason]").fill(comment)
    form.locator(f"button[name=action][value={action}]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_whole_story(language, isp, staff, manager, page_as, live_server, smtp, settings):  # noqa: F811
    settings.ABUSEDESK_COLLECT_EVIDENCE = False  # no DNS here; evidence has its own tests
    # Two earlier complaints about the same static line, then the partner's report.
    for i in range(2):
        report_ingest(
            raw=message([direct("203.0.113.5", HANDOVER + timedelta(hours=i))]),
            channel="mailbox",
            reporter_key=f"email:earlier{i}@receiver.example",
            acknowledge=False,
        )
    _, key = partner_create(name=f"Partner {language}")
    filed = file_over_the_api(
        live_server, key, message([direct("203.0.113.5", HANDOVER + timedelta(hours=3))])
    )
    case = Case.objects.get()
    from complaints.attribution.services import report_attribute
    from complaints.models import Report

    for report in Report.objects.all():  # the two earlier ones were stored without the on-commit hooks
        report_attribute(report_id=report.pk)
    refresh_stale_recommendations()

    # Staff: find the case by filter, read the attribution, open the content.
    page = page_as(staff, language)
    page.goto(f"{live_server.url}/cases/?role=sending&account_kind=connection")
    page.click(f"table.queue a[href='/cases/{case.pk}/']")
    assert "C-3" in page.inner_text("section.attribution")
    assert page.locator("ol.steps li[data-code=static_block]").count() >= 1
    page.goto(f"{live_server.url}/reports/{filed['id']}/")
    page.fill("input[name=purpose]", "verify the advertised site before proposing")
    page.click("form[action$='/content/'] button[type=submit]")
    assert "Buy now" in page.inner_text("pre.content")
    assert AuditEntry.objects.filter(action="content.viewed", actor=staff, case_id=case.pk).exists()

    # Staff propose a suspension of the connection account.
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.click(f"a[href='/sanctions/cases/{case.pk}/propose/']")
    page.select_option("select[name=level]", "L6")
    # The account as a person reads it, its kind a word in the page's language.
    kind = {"en": "Connection", "ja": "接続"}[language]
    page.select_option("select[name=account]", label=f"C-3 ({kind} c3@isp)")
    page.fill(
        "textarea[name=justification]",
        "Three complaints in a week from the customer's own mail server; "
        "the port-25 exemption was already withdrawn.",
    )
    page.check("input[name=clauses][value='C-08']")
    page.select_option("select[name=culpability]", "intentional")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    sanction = Sanction.objects.get()
    assert sanction.state == "proposed" and sanction.proposed_by == staff

    # The manager approves from the review queue, confirms execution, notifies, lifts.
    boss = page_as(manager, language)
    boss.goto(f"{live_server.url}/sanctions/review/")
    boss.click(f"a[href='/sanctions/{sanction.pk}/']")
    transition(boss, "approve", "Facts verified; proportionate after the earlier warning.")
    sanction.refresh_from_db()
    assert sanction.state == "approved" and sanction.decided_by == manager
    boss.locator("form[action*='/executions/'] button[type=submit]").first.click()
    boss.wait_for_load_state()
    sanction.refresh_from_db()
    assert sanction.state == "carried_out"
    transition(boss, "notify", "Notice sent to the customer.")
    sanction.refresh_from_db()
    assert sanction.state == "notified"
    assert smtp.messages, "the customer notice reached the SMTP server"
    sender, recipients, raw = smtp.messages[-1]
    assert recipients == ["c3@mail.example.jp"]
    notice = email.message_from_bytes(raw, policy=email.policy.default)
    body = notice.get_body(("plain",)).get_content()
    assert "receiver.example" not in body  # never the complainants
    transition(boss, "lift", "Customer fixed the server and answered the hearing.")
    sanction.refresh_from_db()
    assert sanction.state == "lifted"
