"""Volume limits on our own mail servers, found through the commands an operator runs:
import_maillog (which checks the hours it touched) and detect_mail_volume."""

from __future__ import annotations

import random

import pytest

from abusedesk.models import AuditEntry
from abusedesk.roles import UserRole as Role
from complaints.choices import CaseSource
from complaints.evidence.services import evidence_digest
from complaints.models import Case, Evidence
from policies.services import criteria_edit
from prevention.models import VolumeWindow
from tests.personas import make_user
from tests.prevention import maillog as gen
from tests.subscribers.commands import run_command
from tests.subscribers.factories import AccountFactory

pytestmark = pytest.mark.django_db

PLANTED = {
    "burst01": (gen.plant_burst, 2, {"submission_volume"}),
    "stolen01": (gen.plant_stolen_password, 3, {"new_networks"}),
    "dict01": (gen.plant_dictionary, 4, {"unknown_recipient_share"}),
    "hopper01": (gen.plant_ipv6_hopper, 5, {"new_networks"}),
}


@pytest.fixture
def generated_log(tmp_path):
    rng = random.Random(14)
    log = gen.Log()
    normal = gen.normal_senders(log, rng, count=120, hours=6)
    for login, (plant, hour, _signals) in PLANTED.items():
        # Each compromised login was a normal customer before.
        for h in range(hour):
            log.submission(
                gen.START + gen.timedelta(hours=h, minutes=5), login, "198.51.199.5", ["a@mail1.example"]
            )
        plant(log, rng, login, hour)
        AccountFactory(kind="mail", identifier=login, account_id=f"M-{login}")
    path = tmp_path / "mail.log"
    path.write_text(log.text())
    return path, normal


def test_every_planted_login_is_found_and_no_normal_sender(generated_log):
    path, normal = generated_log
    output = run_command("import_maillog", path)

    assert "volume limits:" in output.out
    found = {w.login: set(w.figures["crossed"]) for w in VolumeWindow.objects.all()}
    assert set(found) == set(PLANTED), f"found {sorted(found)}"
    for login, (_plant, _hour, signals) in PLANTED.items():
        assert signals <= found[login], (login, found[login])
    assert not set(found) & set(normal)


def test_a_detection_opens_an_own_telemetry_case_at_e3_recommending_l3(generated_log):
    path, _ = generated_log
    run_command("import_maillog", path)

    case = Case.objects.get(key="telemetry:stolen01")
    assert case.source == CaseSource.OWN_TELEMETRY
    assert case.accounts == ["M-stolen01"]
    assert case.evidence_level == "E3"
    assert case.recommended_level == "L3"
    assert case.recommendation["rule"] == "2"  # stolen credentials: victim, L3
    evidence = Evidence.objects.get(case=case, kind=Evidence.Kind.MAIL_VOLUME)
    figures = evidence.answer[0]
    assert figures["login"] == "stolen01" and figures["new_networks"] == 6 and figures["messages"] == 40
    assert figures["thresholds"]["volume_new_networks"] == 3
    assert evidence.digest == evidence_digest(evidence)
    with pytest.raises(ValueError):
        evidence.save()  # immutable
    assert AuditEntry.objects.filter(action="telemetry.volume_crossed", case_id=case.pk).exists()


def test_re_runs_open_no_second_case_for_the_same_login_and_hour(generated_log):
    path, _ = generated_log
    run_command("import_maillog", path)
    cases, evidence = Case.objects.count(), Evidence.objects.count()

    run_command("import_maillog", path)
    out = run_command("detect_mail_volume").out  # the periodic task's slice
    run_command("detect_mail_volume", since="2026-11-20T00:00+00:00", until="2026-11-20T06:00+00:00")

    assert "0 new detection(s)" in out
    assert (Case.objects.count(), Evidence.objects.count()) == (cases, evidence)
    assert VolumeWindow.objects.count() == len(PLANTED)


def test_the_periodic_scan_finds_what_an_import_without_the_hook_wrote(generated_log, monkeypatch):
    from subscribers.signals import maillog_imported

    path, _ = generated_log
    monkeypatch.setattr(maillog_imported, "receivers", [])
    maillog_imported.sender_receivers_cache.clear()
    run_command("import_maillog", path)
    assert not VolumeWindow.objects.exists()

    from prevention.tasks import detect_mail_volume

    line = detect_mail_volume.delay().get()
    assert f"{len(PLANTED)} new detection(s)" in line
    assert set(VolumeWindow.objects.values_list("login", flat=True)) == set(PLANTED)


def test_the_limits_are_the_active_criteria_version(generated_log):
    path, _ = generated_log
    manager = make_user("kimura", Role.MANAGER)
    criteria_edit(
        user=manager,
        note="Bulk senders are fine here",
        settings={"volume_messages": 1000, "volume_recipients": 5000, "volume_domains": 5000},
    )
    run_command("import_maillog", path)
    assert "burst01" not in set(VolumeWindow.objects.values_list("login", flat=True))
    assert VolumeWindow.objects.get(login="stolen01").criteria_version == 2


def test_bad_command_input_is_one_line_and_non_zero():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no UTC offset"):
        run_command("detect_mail_volume", since="2026-11-20T00:00")
    with pytest.raises(CommandError, match="before --since"):
        run_command("detect_mail_volume", since="2026-11-20T05:00+00:00", until="2026-11-20T01:00+00:00")


def test_the_case_page_and_the_api_show_the_source_and_the_figures(generated_log, staff_client, staff):
    from django.test import Client
    from django.urls import reverse

    from abusedesk.services import api_token_create

    path, _ = generated_log
    run_command("import_maillog", path)
    case = Case.objects.get(key="telemetry:burst01")
    page = staff_client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "Own telemetry" in page
    assert "crossed the criteria" in page
    assert "submitted 400 message(s)" in page
    token = api_token_create(user=staff)[1]
    data = Client(HTTP_AUTHORIZATION=f"Token {token}").get(f"/api/v1/cases/{case.pk}/").json()
    assert data["source"] == "own_telemetry"
    assert data["evidence_level"] == "E3"


def test_each_run_is_on_the_record_and_a_login_without_an_account_blames_nobody(tmp_path):
    rng = random.Random(3)
    log = gen.Log()
    gen.plant_burst(log, rng, "ghost", 1)  # no mail account of ours has this login
    path = tmp_path / "mail.log"
    path.write_text(log.text())
    run_command("import_maillog", path)

    checked = AuditEntry.objects.get(action="telemetry.volume_checked")
    assert checked.data["hours"] == ["2026-11-20T01:00:00+00:00"] and checked.data["crossed"] == 1
    case = Case.objects.get(key="telemetry:ghost")
    assert case.accounts == [] and case.evidence_level == "E0"
    assert case.recommended_level in ("", "L0")


def test_the_queue_filters_own_telemetry_cases(generated_log, staff_client, staff):
    from django.test import Client
    from django.urls import reverse

    from abusedesk.services import api_token_create

    path, _ = generated_log
    run_command("import_maillog", path)
    page = staff_client.get(reverse("case-list"), {"source": "own_telemetry"}).content.decode()
    assert "telemetry" in page and "burst01" in page
    token = api_token_create(user=staff)[1]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    rows = api.get("/api/v1/cases/", {"source": "own_telemetry"}).json()["results"]
    assert {r["subject"] for r in rows} == {f"login {login} (own telemetry)" for login in PLANTED}
    assert api.get("/api/v1/cases/", {"source": "reports"}).json()["results"] == []
    assert api.get("/api/v1/cases/", {"source": "nonsense"}).status_code == 400
