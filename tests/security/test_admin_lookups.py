"""The admin hides content (S1: a report's subject, its facts and raw message, a link); its
changelist must not filter on those fields by query string either, or it answers which
row holds a given text without the recorded "show content" action."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client

from abusedesk.models import AuditEntry
from complaints.choices import Channel
from complaints.services import report_ingest

pytestmark = pytest.mark.django_db


def _secret_report():
    from tests.attribution.conftest import HANDOVER
    from tests.attribution.test_rules import direct, message
    from tests.complaints.samples import complaint

    spam = message([direct("192.0.2.177", HANDOVER)]).replace(b"Subject: ", b"Subject: SECRET-7731 ", 1)
    raw = complaint(reporter="victim@receiver.example", attached=spam, subject="Fwd: spam")
    return report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key="email:v@receiver.example").report


@pytest.fixture
def root():
    user = get_user_model().objects.create_superuser("root", "root@isp.example.jp", "pw-long-enough-1")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "query",
    [
        "subject__contains=SECRET-7731",
        "subject=x",
        "subject__icontains=secret",
        "facts__icontains=SECRET",
        "raw__isnull=False",
        "report_urls__url__contains=cheap",
        "case__subject__contains=SECRET",
        "hops__from_name__contains=x",
    ],
)
def test_admin_report_list_is_no_oracle_on_the_subject(isp, root, query):
    report = _secret_report()
    assert "SECRET-7731" in report.subject
    before = AuditEntry.objects.count()
    hit = root.get(f"/admin/complaints/report/?{query}")
    assert hit.status_code == 400, (query, hit.status_code)
    assert f"/admin/complaints/report/{report.pk}/change/" not in hit.content.decode()
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("query", ["url", "url__contains", "url__startswith", "report__subject__contains"])
def test_admin_link_list_is_no_oracle_on_the_link(isp, root, query):
    report = _secret_report()
    link = report.report_urls.first()
    value = link.url if query.startswith("url") else "SECRET-7731"
    hit = root.get("/admin/complaints/reporturl/", {query: value})
    assert hit.status_code == 400, (query, hit.status_code)
    assert f"/admin/complaints/reporturl/{link.pk}/change/" not in hit.content.decode()


def test_the_admin_lists_still_filter_on_what_they_show(isp, root):
    report = _secret_report()
    link = report.report_urls.first()
    for url in (
        f"/admin/complaints/report/?status__exact={report.status}",
        f"/admin/complaints/report/?channel__exact={report.channel}&format__exact={report.format}",
        f"/admin/complaints/report/?received_at__year={report.received_at.year}",
        f"/admin/complaints/report/?case__id__exact={report.case_id}",
        f"/admin/complaints/report/?q={report.message_id}",
        f"/admin/complaints/reporturl/?host={link.host}",
        f"/admin/complaints/reporturl/?report__id__exact={report.pk}",
        f"/admin/complaints/reporturl/?q={link.host}",
    ):
        page = root.get(url)
        assert page.status_code == 200, url
    assert (
        f"/admin/complaints/report/{report.pk}/change/"
        in root.get(f"/admin/complaints/report/?status__exact={report.status}").content.decode()
    )


def test_every_admin_that_hides_fields_refuses_lookups_on_them():
    """An admin that leaves fields out of its pages (exclude) filters only on what it shows."""
    from abusedesk.admin import FilterOnlyShownLookupsMixin

    for model, model_admin in admin.site._registry.items():
        if model_admin.exclude:
            assert isinstance(model_admin, FilterOnlyShownLookupsMixin), model.__name__
            for name in model_admin.exclude:
                assert not model_admin.lookup_allowed(name, "x", None), (model.__name__, name)
                assert not model_admin.lookup_allowed(f"{name}__contains", "x", None), (model.__name__, name)
