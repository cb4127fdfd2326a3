"""The new shapes end to end: through import_mailbox and the API into stored reports."""

from __future__ import annotations

import io
import mailbox

import pytest
from django.core.management import call_command

from complaints.models import Report

from . import shapes

pytestmark = pytest.mark.django_db


def _import(tmp_path, *messages: bytes) -> str:
    box = mailbox.mbox(tmp_path / "abuse.mbox")
    for raw in messages:
        box.add(raw)
    box.flush()
    out = io.StringIO()
    call_command("import_mailbox", str(tmp_path / "abuse.mbox"), stdout=out)
    return out.getvalue()


def test_an_encoded_crlf_in_a_subject_never_stops_the_import(
    tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    spam = shapes.SPAM.replace(
        b"Subject: Cheap watches, today only", b"Subject: =?utf-8?q?Spam=0D=0ABcc:_everyone@example.org?="
    )
    hostile = shapes.attached(spam)
    second = shapes.pasted()

    with django_capture_on_commit_callbacks(execute=True):
        summary = _import(tmp_path, hostile, second)

    assert "read 2, created 2" in summary
    assert Report.objects.count() == 2
    assert all("\n" not in ack.subject and "\r" not in ack.subject for ack in mailoutbox)
    assert len(mailoutbox) == 2  # both people were answered


def test_complaint_facts_are_stored_with_kind_and_basis(tmp_path):
    _import(tmp_path, shapes.pasted(wrap=60))

    report = Report.objects.get()
    assert str(report.source_ip) == shapes.SPAM_IP
    assert report.facts["message_kind"] == "complaint"
    assert report.facts["source_basis"] == "walked"
    assert report.facts["reported_via"] == "pasted_headers"
    assert report.reporter == "taro@freemail.example"


def test_nul_and_raw_shift_jis_are_stored_not_sent_to_triage(tmp_path):
    raw = shapes.SPAM.replace(b"Subject: Cheap watches, today only", "Subject: 激安\x00時計".encode("cp932"))

    _import(tmp_path, raw)

    report = Report.objects.get()
    assert report.status == "parsed", report.status_reason
    assert report.subject == "激安\ufffd時計"
