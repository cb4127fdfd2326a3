"""Notices left unsent are recovered with the rest of the desk's work (the sanctions
register their share with complaints' recovery, which imports nothing of them)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.services.recovery import stale_work_find, stale_work_recover
from sanctions.models import Notice

pytestmark = pytest.mark.django_db


def test_a_notice_never_sent_is_found_and_sent_by_the_recovery(sanction, mailoutbox):
    old = timezone.now() - timedelta(minutes=5)
    notice = Notice.objects.create(
        sanction=sanction,
        kind="notice",
        language="en",
        to="owner@customer.example",
        subject="Notice of a measure",
        body="Body.",
        created_at=old,
    )
    found = stale_work_find()
    assert found["notice"] == [notice.pk] and found["execute"] == []
    counts = stale_work_recover(evidence=False)
    assert counts["notice"] == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and [m.to for m in mailoutbox] == [["owner@customer.example"]]
    assert stale_work_find()["notice"] == []
