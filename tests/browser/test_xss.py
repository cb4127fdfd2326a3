"""Spam whose HTML and headers carry scripts, handlers and remote images renders inert."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from complaints.services import report_ingest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_HTML = """<html><head><meta http-equiv="refresh" content="0;url=http://evil.example/r">
<script>alert('script')</script><link rel="stylesheet" href="http://evil.example/s.css"></head>
<body onload="alert('onload')"><p>Cheap <b>pills</b></p>
<img src="http://evil.example/track.png" onerror="alert('onerror')">
<a href="javascript:alert('href')">click</a><iframe src="http://evil.example/f"></iframe>
<svg onload="alert('svg')"></svg><style>body{background:url(http://evil.example/bg.png)}</style></body></html>"""


def hostile_report():
    msg = EmailMessage()
    msg["Received"] = (
        "from pc (unknown [198.51.100.23]) by mx.receiver.example with ESMTP id 1; Fri, 20 Nov 2026 05:30:00 +0000"
    )
    msg["From"] = "\"<script>alert('from')</script>\" <spam@evil.example>"
    msg["Subject"] = "<img src=x onerror=alert('subject')>"
    msg["Message-ID"] = "<x@evil.example>"
    msg.set_content("Cheap pills")
    msg.add_alternative(HOSTILE_HTML, subtype="html")
    return report_ingest(
        raw=bytes(msg), channel="mailbox", reporter_key="email:a@b.example", acknowledge=False
    ).report


def test_hostile_content_is_shown_inert(page_as, staff, live_server):
    report = hostile_report()
    page = page_as(staff)
    dialogs, outside = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(live_server.url) and not r.url.startswith(("about:", "data:"))
            else None
        ),
    )
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    assert "<img src=x onerror" not in page.inner_text("body")  # the subject is content (S1)
    page.fill("input[name=purpose]", "check the advertised site")
    page.click("text=Show content")
    page.wait_for_selector("iframe.content-frame")
    assert "<img src=x onerror" in page.inner_text("body")  # the subject shown as text
    frame = page.frame_locator("iframe.content-frame")
    assert "Cheap" in frame.locator("body").inner_text()
    page.wait_for_timeout(500)
    assert dialogs == []
    assert outside == []
    assert page.get_attribute("iframe.content-frame", "sandbox") == ""
    html = frame.locator("body").inner_html()
    for bad in ("script", "onerror", "onload", "evil.example", "javascript:", "<img", "<iframe", "<svg"):
        assert bad not in html


def test_the_content_page_sends_a_strict_policy(staff_client):
    report = hostile_report()
    response = staff_client.post(f"/reports/{report.pk}/content/", {"purpose": "check headers"})
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    body = response.content.decode()
    assert "<script>alert" not in body  # escaped in the raw view, removed from the HTML view
    assert 'sandbox=""' in body
