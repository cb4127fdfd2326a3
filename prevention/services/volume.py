"""Volume limits on our own mail servers: a login that crosses the criteria's limits in
one clock hour opens a case by itself (source "own telemetry", evidence E3).

`volume_detect(hours=…)` is called by the import_maillog command for the hours a file
touched and by the periodic task for the hours of rows it has not seen yet. For each
run of consecutive hours one set-based statement (prevention.selectors) returns the
login-hours over a limit; only those are handled one by one. A VolumeWindow row per login
and hour is claimed first (unique constraint), so re-runs and concurrent runs never
open a second case or write a second evidence row for the same login and hour.

What it never does: restrict anything. The case gets a recommendation (rule 2: L3,
a send-rate cap or a forced password reset); a person proposes the measure, another
approves it as the ladder requires, and the executor carries it out and lifts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from abusedesk.audit import audit_record
from complaints.choices import CaseKind, CaseSource, CaseStatus
from complaints.evidence.services import evidence_digest
from complaints.models import Case, Evidence
from complaints.services.cases import case_mark_changed
from policies.selectors import active_criteria
from subscribers.choices import AccountKind
from subscribers.models import Account

from ..models import VolumeWindow
from ..selectors import HOUR, NETWORK_BASIS, LoginHour, hour_runs, login_hours_over, signals_crossed

# Attribution step codes a telemetry case carries. A sudden burst, logins from new
# networks or from many addresses are POLICY.md's signs of stolen credentials.
STEP_MAIL_ACCOUNT = "mail_account"
STEP_MAILLOG = "maillog_confirms"
STEP_STOLEN = "many_client_addresses"
STEP_BURST = "sudden_burst"
THRESHOLD_FIELDS = (
    "volume_messages",
    "volume_recipients",
    "volume_domains",
    "volume_unknown_percent",
    "volume_unknown_minimum",
    "volume_new_networks",
    "volume_addresses",
)


@dataclass
class DetectionResult:
    hours: int = 0
    logins: int = 0
    crossed: int = 0
    cases: list[int] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"volume limits: {self.hours} hour(s), {self.logins} login-hour(s) checked, "
            f"{self.crossed} crossed, {len(self.cases)} new detection(s)"
            + (f" (cases {', '.join(map(str, self.cases))})" if self.cases else "")
        )


def hour_floor(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def volume_detect(*, hours) -> DetectionResult:
    """Check every login active in each of `hours` against the active criteria."""
    from sanctions.services.recommend import case_recommendation_refresh

    criteria = active_criteria()
    result = DetectionResult()
    touched_cases: list[int] = []
    checked = sorted({hour_floor(h) for h in hours})
    result.hours = len(checked)
    for start, end in hour_runs(checked):
        active, over = login_hours_over(start=start, end=end, criteria=criteria)
        result.logins += active
        for figures in over:
            crossed = signals_crossed(figures, criteria)
            if not crossed:
                continue
            result.crossed += 1
            case_id = _record(figures, crossed, criteria)
            if case_id is not None:
                result.cases.append(case_id)
                touched_cases.append(case_id)
    if result.hours:
        # Counting every login's hour is processing of traffic data (S2) by the system:
        # one entry per run says which hours were counted and what came of it.
        audit_record(
            action="telemetry.volume_checked",
            object_type="subscribers.maillogentry",
            reason=f"volume limits of criteria version {criteria.version}",
            data={
                "hours": [h.isoformat() for h in checked],
                "login_hours": result.logins,
                "crossed": result.crossed,
                "cases": result.cases,
            },
        )
    # The recommendation (E3, rule 2's L3) now, not only when a worker gets to it.
    for case_id in dict.fromkeys(touched_cases):
        case_recommendation_refresh(case_id=case_id)
    return result


def _record(figures: LoginHour, crossed: list[str], criteria) -> int | None:
    """Claim the login-hour, then open (or join) the login's telemetry case with the
    figures as evidence. None when this login-hour was recorded before."""
    for _attempt in range(3):
        try:
            return _record_once(figures, crossed, criteria)
        except IntegrityError:
            if VolumeWindow.objects.filter(login=figures.login, window_start=figures.hour).exists():
                return None  # recorded by an earlier or a concurrent run
            # Another hour of the same login opened its telemetry case meanwhile: join it.
    raise RuntimeError(f"could not record the volume window of {figures.login} at {figures.hour}")


def _record_once(figures: LoginHour, crossed: list[str], criteria) -> int:
    with transaction.atomic():
        window = VolumeWindow.objects.create(
            login=figures.login,
            window_start=figures.hour,
            criteria_version=criteria.version,
            figures=_figures(figures, crossed, criteria),
        )
        case, opened = _telemetry_case(figures)
        evidence = _evidence(case, figures, window.figures)
        VolumeWindow.objects.filter(pk=window.pk).update(case=case, evidence=evidence)
        if opened:
            audit_record(
                action="case.opened",
                obj=case,
                case_id=case.pk,
                data={"key": case.key, "source": CaseSource.OWN_TELEMETRY},
            )
        # The detection read our mail log (S2) for this login and hour: on the record.
        audit_record(
            action="telemetry.volume_crossed",
            obj=window,
            case_id=case.pk,
            reason=f"volume limits of criteria version {criteria.version}",
            data={"figures": window.figures, "evidence": evidence.pk},
        )
        _roll_up(case, figures, crossed)
        return case.pk


def _figures(figures: LoginHour, crossed: list[str], criteria) -> dict:
    return {
        **figures.as_dict(),
        "window_end": (figures.hour + HOUR).isoformat(),
        "crossed": crossed,
        "thresholds": {name: getattr(criteria, name) for name in THRESHOLD_FIELDS},
        "criteria_version": criteria.version,
        "networks_basis": NETWORK_BASIS,
    }


def _telemetry_case(figures: LoginHour) -> tuple[Case, bool]:
    """The login's open telemetry case, or a new one. Its own key, so complaints about
    the same login (key login:…) never fold their reports into it and back."""
    key = f"telemetry:{figures.login}"
    case = Case.objects.select_for_update().filter(key=key, status=CaseStatus.OPEN).first()
    if case is not None:
        return case, False
    account = Account.objects.filter(kind=AccountKind.MAIL, identifier=figures.login).first()
    now = timezone.now()
    case = Case.objects.create(
        key=key,
        kind=CaseKind.LOGIN,
        source=CaseSource.OWN_TELEMETRY,
        subject=f"login {figures.login} (own telemetry)"[:255],
        roles=["sending"],
        roles_text=",sending,",
        sending_method="contracted_isp_server" if account else "",
        account_kinds=["mail"] if account else [],
        account_kinds_text=",mail," if account else "",
        accounts=[account.account_id] if account else [],
        accounts_text=f",{account.account_id}," if account else "",
        first_seen=figures.hour,
        last_seen=figures.hour + HOUR,
        created_at=now,
        last_activity_at=now,
    )
    return case, True


def _evidence(case: Case, figures: LoginHour, data: dict) -> Evidence:
    record = Evidence(
        case=case,
        subject=figures.login[:255],
        kind=Evidence.Kind.MAIL_VOLUME,
        query_name=f"{figures.login} {figures.hour:%Y-%m-%dT%H:00Z}"[:255],
        query_type="volume",
        server="maillog",
        asked_at=timezone.now(),
        outcome=Evidence.Outcome.ANSWER,
        answer=[data],
        response_text="",
    )
    record.digest = evidence_digest(record)
    record.save()
    return record


def _roll_up(case: Case, figures: LoginHour, crossed: list[str]) -> None:
    """The case's attribution summary: what our own log shows, step by step."""
    summary = dict(case.attribution or {})
    codes = set(summary.get("step_codes") or [])
    steps = list(summary.get("steps") or [])
    if case.accounts:
        codes |= {STEP_MAIL_ACCOUNT, STEP_MAILLOG}
    codes.add(STEP_BURST)
    if {"new_networks", "many_client_addresses"} & set(crossed):
        codes.add(STEP_STOLEN)
    steps = [s for s in steps if s.get("code") != "own_telemetry"][-20:]
    steps.append({"code": "own_telemetry", "login": figures.login, "hour": figures.hour.isoformat()})
    summary.update(
        {
            "source": CaseSource.OWN_TELEMETRY,
            "roles": case.roles,
            "accounts": case.accounts,
            "account_kinds": case.account_kinds,
            "sending_method": case.sending_method or None,
            "step_codes": sorted(codes),
            "steps": steps,
        }
    )
    last_seen = max(filter(None, [case.last_seen, figures.hour + HOUR]))
    Case.objects.filter(pk=case.pk).update(
        attribution=summary, last_seen=last_seen, last_activity_at=timezone.now()
    )
    case_mark_changed(case_ids=[case.pk])


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    """Every clock hour from start's to end's (both included): for the command's --since/--until."""
    hour, last, out = hour_floor(start), hour_floor(end), []
    while hour <= last:
        out.append(hour)
        hour += timedelta(hours=1)
    return out
