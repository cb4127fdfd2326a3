"""Probed: pressing Forward or Reply twice (or Back + resubmit) sent the same message
twice. A second identical forward or reply within minutes is refused, at every door."""

from datetime import timedelta

import pytest

from abusedesk.errors import ApplicationError
from complaints.models import Forward, Reply
from complaints.services.forwarding import case_forward
from complaints.services.replies import case_reply
from tests.attribution import conftest as attribution
from tests.personas import token_client
from tests.sanctions import factories
from tests.security.test_forward_guards import _fbl_report

pytestmark = pytest.mark.django_db
TO = "abuse@bulk-hoster.example"
isp = attribution.isp  # the small ISP's inventory


@pytest.fixture
def outside_case(isp):
    report = _fbl_report("Original-Rcpt-To: carol@receiver.example\r\n", "carol@receiver.example")
    return report.case


def test_the_same_forward_twice_is_refused_in_the_browser(outside_case, staff_client):
    url = f"/cases/{outside_case.pk}/forward/"
    staff_client.post(url, {"format": "arf", "to": TO})
    response = staff_client.post(url, {"format": "arf", "to": TO}, follow=True)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "already forwarded" in shown
    assert Forward.objects.filter(case=outside_case).count() == 1


def test_the_same_forward_twice_is_refused_in_the_api(outside_case, staff_token):
    client, url = token_client(staff_token), f"/api/v1/cases/{outside_case.pk}/forward/"
    body = {"format": "arf", "to": TO}
    assert client.post(url, body, content_type="application/json").status_code == 201
    again = client.post(url, {**body, "to": TO.upper()}, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "duplicate_forward"
    assert "already forwarded" in again.json()["detail"]


def test_another_format_address_or_a_later_forward_is_not_a_duplicate(outside_case, staff):
    first = case_forward(case=outside_case, user=staff, fmt="arf", to=TO)
    case_forward(case=outside_case, user=staff, fmt="xarf", to=TO)
    case_forward(case=outside_case, user=staff, fmt="arf", to="abuse@upstream.example")
    with pytest.raises(ApplicationError, match="already forwarded"):
        case_forward(case=outside_case, user=staff, fmt="arf", to=TO)
    Forward.objects.filter(pk=first.pk).update(requested_at=first.requested_at - timedelta(minutes=11))
    case_forward(case=outside_case, user=staff, fmt="arf", to=TO)
    assert Forward.objects.filter(case=outside_case).count() == 4


def test_the_same_reply_twice_is_refused(isp, staff, staff_client):
    case = factories.case_from_reports()
    assert case_reply(case=case, user=staff, template="investigating", note="") == 2
    with pytest.raises(ApplicationError, match="already got this reply"):
        case_reply(case=case, user=staff, template="investigating", note="")
    response = staff_client.post(f"/cases/{case.pk}/reply/", {"template": "investigating"}, follow=True)
    assert "already got this reply" in " ".join(str(m) for m in response.context["messages"])
    assert Reply.objects.filter(case=case).count() == 2
    # Another reply is another message.
    assert case_reply(case=case, user=staff, template="actioned", note="") == 2


def test_a_new_complainant_still_gets_the_reply_the_others_got(isp, staff):
    case = factories.case_from_reports(reporters=factories.REPORTERS[:1])
    assert case_reply(case=case, user=staff, template="investigating") == 1
    later = factories.case_from_reports(reporters=["email:dave@receiver.example"])
    assert later.pk == case.pk  # the new report joined the same case
    assert case_reply(case=case, user=staff, template="investigating") == 1
    assert sorted(Reply.objects.filter(case=case).values_list("to", flat=True)) == [
        "alice@receiver.example",
        "dave@receiver.example",
    ]
