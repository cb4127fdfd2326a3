"""From a case to the plain facts the criteria evaluate (policies.types.CaseFacts).

Reads only: the case's roll-up, its reports' attributions (steps), its evidence,
the facts derived from them (complaints.facts: joe job, shared IPv4, forged sender,
traps, blocklists, our mail log's unknown recipients) and the subscriber's earlier
measures. No policy decisions are taken here; the facts say what was observed and
the criteria decide what it means. `facts_record` keeps what was derived, with the
steps and evidence behind it, beside the recommendation it fed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from complaints.facts.derive import case_derived_facts
from complaints.models import Case, Evidence, Report
from policies.types import CaseFacts, PriorMeasure
from subscribers.models import Account

from .choices import Culpability, State, level_rank

# Steps that mean our own session or mail log ties the report to the account.
OWN_LOG_STEPS = {"dynamic_session", "static_block", "maillog_confirms", "pop_before_smtp", "mail_account"}
# Steps that mean our own mail server logged the submission (or the login before it).
MAIL_LOG_STEPS = {"maillog_confirms", "pop_before_smtp"}
# Evidence of a compromised machine (attribution's "compromise" keys), by the kind
# of hijack the criteria know. Attribution cannot tell an infected PC from a misused
# wireless LAN; an infected PC is the common case and what rule 5 covers.
HIJACK_KINDS = {"open_relay": "open_relay"}
LEGACY_HIJACK_STEPS = {"listed_as_exploited", "bot_helo", "reporter_burst"}
# A measure that was actually taken counts for the repeat-offender rule; a
# proposal that was rejected or is still pending does not.
TAKEN_STATES = (State.CARRIED_OUT, State.NOTIFIED, State.HEARING, State.UPHELD, State.LIFTED)
ONGOING_WITHIN = timedelta(hours=24)


def case_facts(
    case: Case,
    *,
    culpability: str | None = None,
    exclude_sanction_id: int | None = None,
    derived: dict | None = None,
) -> CaseFacts:
    summary = case.attribution or {}
    derived = derived if derived is not None else case_derived_facts(case)
    held = _held_accounts(case, not_blamed=set(derived["joe_job"]["not_blamed"]))
    # Narrow rows: a spam run reported thousands of times is one case, and this runs
    # after every change to it. The per-report JSON is read in the database.
    reports = list(
        Report.objects.filter(case=case)
        .annotate(
            at=Coalesce("occurred_at", "received_at"),
            basis=KT("attribution__origin__basis"),
            confirmed=KT("attribution__origin__confirmed"),
        )
        .values_list("reporter_key", "at", "category", "basis", "confirmed")
    )
    steps = _step_codes(case, summary)
    counted = _counted_reports(reports, roles=case.roles or ())
    listings = list(
        Evidence.objects.filter(case=case, kind=Evidence.Kind.DNSBL, listed=True).values_list(
            "zone_kind", flat=True
        )
    )
    telemetry = derived["telemetry"]
    prior = prior_measures(case, exclude_sanction_id=exclude_sanction_id)
    now = timezone.now()
    return CaseFacts(
        roles=_roles(case, held),
        sending_method=case.sending_method or None,
        account_kinds=tuple(held.kinds) if held.changed else tuple(case.account_kinds or ()),
        connection_type=_connection_type(steps),
        sub_allocated=bool(summary.get("sub_allocation")),
        accounts_identified=len(held.accounts) if held.changed else len(case.accounts or ()),
        subscribers_identified=len(held.subscribers) if held.changed else len(case_subscriber_ids(case)),
        reports=tuple((key, at) for key, at, *_ in counted),
        own_log_confirms=any(code in OWN_LOG_STEPS for code in steps),
        mail_log_confirms=any(code in MAIL_LOG_STEPS for code in steps),
        origin_stated_only=bool(reports) and not counted,
        dnsbl_exploited="exploited" in listings,
        telemetry=tuple(dict.fromkeys(tuple(telemetry["value"]) + (("dnsbl_listed",) if listings else ()))),
        warned_before=any(level_rank(p.level) >= level_rank("L2") for p in prior),
        aggravating=tuple(derived["aggravating"]["value"]),
        unknown_recipients=int(telemetry.get("unknown_recipients") or 0),
        recipients_seen=int(telemetry.get("recipients_seen") or 0),
        joe_job=bool(derived["joe_job"]["value"]),
        shared_ipv4=bool(derived["shared_ipv4"]["value"]),
        sender_is_customer=bool(derived["joe_job"].get("sender_is_customer")),
        probable_victim=bool(summary.get("probable_victim")),
        # Logins from many addresses or new networks, or a sudden burst our own mail log
        # showed (POLICY.md's signs of stolen credentials: the holder is a victim).
        stolen_credentials=bool({"many_client_addresses", "sudden_burst"} & steps),
        hijack_kind=_hijack_kind(summary.get("compromise") or [], steps),
        phishing=any((category or "").lower() == "phishing" for _key, _at, category, *_ in reports),
        ongoing=bool(case.last_seen and now - case.last_seen <= ONGOING_WITHIN),
        culpability=culpability or None,
        prior_measures=tuple(
            PriorMeasure(
                level=p.level, intentional=p.culpability == Culpability.INTENTIONAL, decided_at=p.decided_at
            )
            for p in prior
        ),
        now=now,
    )


def case_facts_for_page(case: Case) -> CaseFacts:
    """The case's facts for a page a person is looking at.

    Our mail log (S2) is read only by the evaluation that stores the recommendation, whose
    access is on the record; a page takes the mail-log figures that evaluation stored
    instead of reading the log again for every view."""
    derived = case_derived_facts(case, traffic=False)
    stored = ((case.recommendation or {}).get("facts") or {}).get("telemetry")
    if stored:
        derived["telemetry"] = stored
    return case_facts(case, derived=derived)


class Held(NamedTuple):
    """The case's accounts less those of customers whose name was forged (a joe job)."""

    accounts: list[str]
    kinds: list[str]
    subscribers: set[int]
    changed: bool


def _held_accounts(case: Case, *, not_blamed: set[str]) -> Held:
    if not not_blamed:
        return Held([], [], set(), False)
    rows = Account.objects.filter(account_id__in=case.accounts or []).values_list(
        "account_id", "kind", "subscriber_id", "subscriber__subscriber_id"
    )
    kept = [row for row in rows if row[3] not in not_blamed]
    return Held(
        [row[0] for row in kept],
        list(dict.fromkeys(row[1] for row in kept)),
        {row[2] for row in kept},
        True,
    )


def _roles(case: Case, held: Held) -> tuple[str, ...]:
    roles = tuple(case.roles or ())
    if held.changed and "hosting" in roles and "hosting" not in held.kinds:
        # The advertised site is the forged customer's: not a hosting case of ours.
        roles = tuple(r for r in roles if r != "hosting")
    return roles


def facts_record(case: Case, derived: dict, facts: CaseFacts, recommendation: dict) -> dict:
    """What was derived, as stored with the recommendation (codes, steps, record ids):
    the criteria's own conclusions added (made-up recipients, a warning before)."""
    record = {key: dict(value) for key, value in derived.items()}
    reasons = recommendation.get("evidence_reasons") or ()
    aggravating = record["aggravating"]
    aggravating["value"] = list(aggravating["value"])
    aggravating["steps"] = list(aggravating["steps"])
    counted = next(
        (r.split(":", 1)[1].split(",") for r in reasons if r.startswith("evidence.aggravating:")), []
    )
    if "made_up_recipients" in counted:
        aggravating["value"].append("made_up_recipients")
        aggravating["steps"].append(
            {
                "code": "made_up_recipients",
                "unknown": facts.unknown_recipients,
                "total": facts.recipients_seen,
                "version": recommendation.get("criteria_version"),
                "evidence": [],
                "reports": [],
                "count": 0,
            }
        )
    if facts.warned_before:
        aggravating["value"].append("went_on_after_warning")
        for prior in _warnings(case):
            aggravating["steps"].append(prior)
    return record


def _warnings(case: Case) -> list[dict]:
    from .models import Sanction

    measures = Sanction.objects.filter(
        account__subscriber_id__in=case_subscriber_ids(case), state__in=TAKEN_STATES
    ).order_by("-created_at")[:5]
    return [
        {
            "code": "warned_before",
            "sanction": s.pk,
            "level": s.level,
            "at": (s.carried_out_at or s.decided_at or s.created_at).isoformat(),
            "evidence": [],
            "reports": [],
            "count": 0,
        }
        for s in measures
        if level_rank(s.level) >= level_rank("L2")
    ]


def _connection_type(steps: set[str]) -> str | None:
    if "static_block" in steps:
        return "static"
    if "dynamic_session" in steps:
        return "dynamic"
    return None


def _step_codes(case: Case, summary: dict) -> set[str]:
    """Every step code of the case's reports: the roll-up keeps them; an older
    roll-up without them is read from the reports once."""
    if "step_codes" in summary:
        return set(summary["step_codes"])
    attributions = Report.objects.filter(case=case).values_list("attribution", flat=True)
    return {step.get("code") for a in attributions for step in (a or {}).get("steps", [])}


def _counted_reports(reports, *, roles) -> list:
    """The reports evidence may count: an origin a complainant only stated in words
    counts once a person has confirmed it. A hosting case rests on the advertised
    host, not on the origin, so its reports all count."""
    if "hosting" in roles:
        return list(reports)
    return [r for r in reports if not (r[3] == "stated" and str(r[4]).lower() not in ("true", "1"))]


def _hijack_kind(compromise: list[dict], steps: set[str]) -> str | None:
    keys = {c.get("key") for c in compromise}
    keys.discard("stolen_credentials")  # a password, not a machine: rule 2, not a hijack
    for key in keys:
        if key in HIJACK_KINDS:
            return HIJACK_KINDS[key]
    if keys or LEGACY_HIJACK_STEPS & steps:
        return "infected_pc"
    return None


def case_subscriber_ids(case: Case) -> list[int]:
    """Primary keys of the subscribers whose accounts the case names."""
    return list(
        Account.objects.filter(account_id__in=case.accounts or [])
        .order_by()  # Meta.ordering would put account_id into the DISTINCT
        .values_list("subscriber_id", flat=True)
        .distinct()
    )


def prior_measures(case: Case, *, exclude_sanction_id: int | None = None):
    """Measures taken earlier on any account of the case's subscribers, oldest first."""
    from .models import Sanction

    measures = Sanction.objects.filter(
        account__subscriber_id__in=case_subscriber_ids(case), state__in=TAKEN_STATES
    ).order_by("created_at", "id")
    if exclude_sanction_id is not None:
        measures = measures.exclude(pk=exclude_sanction_id)
    return [Prior(s.level, s.culpability, s.carried_out_at or s.decided_at or s.created_at) for s in measures]


class Prior(NamedTuple):
    level: str
    culpability: str
    decided_at: datetime
