"""Hostile complaints are inert on every page that shows them, in real Chromium.

The probe's payloads — script tags, event handlers, javascript: and data: URLs,
SVG, remote images, CSS, CRLF, HTML — go into every header a report has and
into an attachment's file name. Then the queue, the case, the report, the
dossier, the proposal page and the admin pages that show reports are opened as
a person would. On each: no dialog opens, nothing is requested from anywhere
but the desk itself, the page's own Content-Security-Policy is never violated
(so the desk itself needs no inline script or style), and the DOM holds none of
the payloads as live markup.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from complaints.services import report_ingest
from tests.attribution import conftest as attribution
from tests.sanctions import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
isp = attribution.isp  # the small ISP's inventory

SUBJECT = "<img src=x onerror=alert('subject')><style>*{background:url(//evil.example/s)}</style>"
CRLF_SUBJECT = (
    "=?utf-8?b?"
    + base64.b64encode(b"pills\r\nBcc: victim@evil.example\r\n\r\n<script>alert('crlf')</script>").decode()
    + "?="
)
HTML = """<html><head><script>alert('script')</script><link rel=stylesheet href="http://evil.example/s.css">
<meta http-equiv="refresh" content="0;url=javascript:alert('refresh')"></head>
<body onload="alert('onload')"><p style="background:url(http://evil.example/bg)">Cheap</p>
<img src="http://evil.example/t.png" onerror="alert('img')"><svg onload="alert('svg')"><script>alert('svg2')</script></svg>
<a href="javascript:alert('href')">a</a><a href="data:text/html,<script>alert('data')</script>">b</a>
<iframe src="http://evil.example/f"></iframe><form action="http://evil.example/f"><input name=x></form></body></html>"""
FILENAME = "\"><img src=x onerror=alert('file')>.html"


def hostile_raw() -> bytes:
    at = factories.HANDOVER + timedelta(minutes=5)  # C-2 holds 198.51.100.23, clear of the handover
    headers = [
        f"Received: from <b onmouseover=alert('helo')>x (unknown [198.51.100.23]) by mx.receiver.example "
        f"with ESMTP id 1; {at:%a, %d %b %Y %H:%M:%S +0000}",
        "From: \"<script>alert('from')</script>\" <spam@evil.example>",
        "To: \"<svg onload=alert('to')>\" <victim@receiver.example>",
        "Reply-To: javascript:alert('reply')@evil.example",
        f"Subject: {SUBJECT} {CRLF_SUBJECT}",
        "Message-ID: <\"><script>alert('mid')</script>@evil.example>",
        "Date: Fri, 20 Nov 2026 14:00:00 +0900",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b1"',
    ]
    parts = [
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Visit javascript:alert('text') or http://evil.example/<script>alert('url')</script>",
        "--b1",
        "Content-Type: text/html; charset=utf-8",
        "",
        HTML,
        "--b1",
        f'Content-Type: text/html; name="{FILENAME}"',
        f'Content-Disposition: attachment; filename="{FILENAME}"',
        "",
        "<script>alert('attachment')</script>",
        "--b1--",
        "",
    ]
    return "\r\n".join(headers + [""] + parts).encode()


@pytest.fixture
def hostile_case(isp):
    report = report_ingest(
        raw=hostile_raw(),
        channel="mailbox",
        reporter_key="email:<script>alert('reporter')</script>@evil.example",
        acknowledge=False,
    ).report
    from complaints.attribution.services import report_attribute

    report_attribute(report_id=report.pk)
    report.refresh_from_db()
    return report


def _watch(page, base_url: str) -> dict:
    seen = {"dialogs": [], "outside": [], "csp": [], "errors": []}
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on(
        "request",
        lambda r: (
            seen["outside"].append(r.url)
            if not r.url.startswith(base_url) and not r.url.startswith(("about:", "data:"))
            else None
        ),
    )

    def console(msg):
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text:
            seen["csp"].append(text[:200])
        elif msg.type == "error" and not text.startswith("Failed to load resource"):
            seen["errors"].append(text[:200])  # failed loads are listed with their URL below

    page.on("console", console)
    page.on(
        "response", lambda r: seen["errors"].append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
    )
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)[:200]))
    return seen


LIVE_MARKUP = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = (a.value || '').trim().toLowerCase();
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name)
          && (v.startsWith('javascript:') || v.startsWith('data:') || v.includes('evil.example'))) {
        bad.push(el.tagName + ' ' + a.name + '=' + v.slice(0, 40));
      }
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (!s.src && s.type !== 'application/json') bad.push('inline script: ' + s.textContent.slice(0, 40));
  }
  for (const s of document.querySelectorAll('style')) bad.push('style element: ' + s.textContent.slice(0, 40));
  if (document.querySelector('svg [onload], svg script, iframe[src], img[src*="evil"]')) bad.push('svg/iframe/img');
  return bad;
}"""


def test_hostile_reports_are_inert_on_every_page(page_as, live_server, hostile_case, staff, manager):
    report, case_id = hostile_case, hostile_case.case_id
    assert case_id, "the hostile report must land in a case for the case pages to show it"
    from subscribers.models import Account

    factories.propose(
        report.case,
        staff,
        account=Account.objects.get(account_id=report.case.accounts[0]),
        level="L1",
        culpability="",
        evidence_relied_on=[f"report:{report.pk}"],
    )
    root = get_user_model().objects.create_superuser("root", "root@example.jp", "x")
    pages = {
        manager: [
            "/cases/",
            "/cases/?q=evil.example",
            f"/cases/{case_id}/",
            "/reports/",
            f"/reports/{report.pk}/",
            f"/sanctions/cases/{case_id}/dossier/",
            f"/sanctions/cases/{case_id}/propose/",
            "/sanctions/review/",
            "/api/docs/",
        ],
        root: [
            f"/admin/complaints/report/{report.pk}/change/",
            "/admin/complaints/report/",
            f"/admin/complaints/case/{case_id}/change/",
            "/admin/abusedesk/auditentry/",
            "/admin/subscribers/addressblock/add/",
        ],
    }
    problems = []
    for user, urls in pages.items():
        page = page_as(user)
        seen = _watch(page, live_server.url)
        for url in urls:
            response = page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            if response.status >= 400:
                problems.append(f"{url}: HTTP {response.status}")
            bad = page.evaluate(LIVE_MARKUP)
            if url == "/api/docs/":  # the vendor's one style block, allowed by its hash in the CSP
                bad = [b for b in bad if not b.startswith("style element")]
            if bad:
                problems.append(f"{url}: live markup {bad[:3]}")
        problems += [f"dialog: {d}" for d in seen["dialogs"]]
        problems += [f"outside request: {u}" for u in seen["outside"]]
        problems += [f"CSP violation: {c}" for c in seen["csp"]]
        problems += [f"script error: {e}" for e in seen["errors"]]
    assert not problems, "\n".join(problems)


def test_the_payload_is_shown_as_text(page_as, live_server, hostile_case, staff):
    page = page_as(staff)
    page.goto(f"{live_server.url}/reports/{hostile_case.pk}/")
    page.fill("input[name=purpose]", "read the subject")
    page.click("text=Show content")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("body")
    assert "<img src=x onerror=alert('subject')>" in text  # the subject, escaped, readable
    assert page.evaluate(LIVE_MARKUP) == []


def test_showing_the_content_keeps_it_inert(page_as, live_server, hostile_case, staff):
    page = page_as(staff)
    seen = _watch(page, live_server.url)
    page.goto(f"{live_server.url}/reports/{hostile_case.pk}/")
    page.fill("input[name=purpose]", "check the advertised site")
    page.click("text=Show content")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(LIVE_MARKUP) == []
    frame = page.frame_locator("iframe.content-frame")
    assert "Cheap" in frame.locator("body").inner_text()
    assert seen["dialogs"] == [] and seen["outside"] == [] and seen["errors"] == []
