import io

import pytest
from django.core.management import call_command
from django.test import Client

from complaints.models import Case, Report

pytestmark = pytest.mark.django_db


def test_load_demo_builds_a_working_desk_once():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "demo data loaded" in out.getvalue()
    assert "demo-staff / demo-staff-pass" in out.getvalue()
    reports, cases = Report.objects.count(), Case.objects.count()
    assert reports >= 30 and cases >= 8
    assert Case.objects.exclude(recommended_level="").exists()
    assert Case.objects.filter(sending_method="contracted_isp_server").exists()
    from sanctions.models import Sanction

    assert Sanction.objects.filter(state="proposed").exists()  # something in the review queue
    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert "already loaded" in again.getvalue()
    assert Report.objects.count() == reports
    client = Client()
    assert client.login(username="demo-manager", password="demo-manager-pass")
    assert client.get("/cases/").status_code == 200
