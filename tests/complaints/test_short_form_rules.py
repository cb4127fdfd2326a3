"""The web's phone form and the partner API's short form hold a report to the same rules."""

import pytest

from complaints.models import Report
from tests.personas import token_client

pytestmark = pytest.mark.django_db

CASES = [
    ({"source_ip": "fe80::1%eth0", "occurred_at": "2026-11-20T10:00"}, "source_ip", "zone id"),
    ({"source_ip": "198.51.100.7", "occurred_at": "1970-01-01T00:00"}, "occurred_at", "1990-01-01"),
    ({"source_ip": "198.51.100.7", "occurred_at": "2999-01-01T00:00"}, "occurred_at", "day in the future"),
]


@pytest.mark.parametrize(("fields", "field", "reason"), CASES)
def test_the_phone_form_refuses_what_the_api_refuses_with_the_same_reason(
    fields, field, reason, staff_client, partner
):
    _partner, key = partner
    api = token_client(key).post(
        "/api/v1/reports/",
        {**fields, "occurred_at": fields["occurred_at"] + ":00+09:00", "category": "spam"},
        content_type="application/json",
    )
    assert api.status_code == 400 and reason in " ".join(api.json()["fields"][field])
    typed = {f"p-{name}": value for name, value in {**fields, "category": "spam"}.items()}
    page = staff_client.post("/reports/new/", {"kind": "phone", **typed})
    assert page.status_code == 200 and reason in page.content.decode()
    assert not Report.objects.exists()
