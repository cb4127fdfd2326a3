"""Response headers: a CSP on every page, no-store on content, no server banner; plain-text mail."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from complaints.services import report_ingest
from complaints.services.acks import acknowledgement_send
from tests.personas import token_client

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_HTML = (
    '<p onclick="alert(1)">Cheap <b>pills</b></p><script>alert(2)</script>'
    '<img src="http://evil.example/t.png"><a href="javascript:alert(3)">x</a>'
    "<style>p{background:url(http://evil.example/b.png)}</style>"
)


def hostile_report():
    raw = (
        "From: spam@evil.example\r\nTo: victim@receiver.example\r\n"
        'Subject: <b>Cheap</b> & "pills" <script>\r\nMIME-Version: 1.0\r\n'
        "Content-Type: text/html; charset=utf-8\r\n\r\n" + HOSTILE_HTML + "\r\n"
    ).encode()
    return report_ingest(
        raw=raw, channel="mailbox", reporter_key="email:a@receiver.example", acknowledge=False
    ).report


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/", "/cases/", "/reports/", "/reports/new/", "/sanctions/review/", "/login/", "/api/docs/", "/admin/"],
)
def test_every_page_sends_a_policy_without_inline_script_or_remote_loads(manager_client, url):
    response = manager_client.get(url, follow=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no hosts
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "http" not in csp


def test_the_api_docs_allow_only_the_hash_of_their_own_style(manager_client, db):
    import base64
    import hashlib
    import re

    response = manager_client.get("/api/docs/")
    body = response.content.decode()
    assert "<script>" not in body  # the start-up script is a file of its own (?script)
    styles = re.findall(r"<style>(.*?)</style>", body, flags=re.S)
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in styles
    }
    style_src = [d for d in response["Content-Security-Policy"].split(";") if "style-src" in d][0]
    assert expected and expected <= set(style_src.split())
    script = manager_client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in script.content.decode()


@pytest.mark.django_db
def test_the_api_content_endpoint_is_not_cached_and_its_html_is_cleaned(staff, staff_token):
    report = hostile_report()
    response = token_client(staff_token).post(
        f"/api/v1/reports/{report.pk}/content/", {"purpose": "check the advertised site"}, "application/json"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.json()["body_html"]
    assert "Cheap <b>pills</b>" in html
    for bad in ("onclick", "<script", "<img", "javascript:", "<style", "evil.example"):
        assert bad not in html


@pytest.mark.django_db
def test_acknowledgement_subjects_are_plain_text_on_one_line(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    raw = (
        b"From: Taro <taro@receiver.example>\r\nTo: abuse@example.net\r\n"
        b'Subject: =?utf-8?q?Spam_<b>&_"you"?=\r\n =?utf-8?q?_again?=\r\n\r\nI got this spam.\r\n'
    )
    report = report_ingest(
        raw=raw, channel="mailbox", reporter_key="email:taro@receiver.example", acknowledge=False
    ).report
    assert acknowledgement_send(report_id=report.pk) == "sent"
    subject = mail.outbox[-1].subject
    assert '<b>& "you"' in subject and "&amp;" not in subject and "&lt;" not in subject
    assert "\n" not in subject and "\r" not in subject


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_sends_no_server_banner(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "1",
    }
    env.pop("CELERY_BROKER_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "abusedesk.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", reverse("healthz"))
                response = conn.getresponse()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"gunicorn did not start: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        assert response.status == 200
        headers = {k.lower(): v for k, v in response.getheaders()}
        assert "server" not in headers
        assert "content-security-policy" in headers
    finally:
        os.killpg(server.pid, 15)
        server.wait(10)
