"""From a case to the plain facts the criteria evaluate (policies.types.CaseFacts).

Reads only: the case's roll-up, its reports' attributions (steps), its evidence,
the facts derived from them (complaints.facts: joe job, shared IPv4, forged sender,
traps, blocklists, our mail log's unknown recipients) and the subscriber's earlier
measures. No policy decisions are taken here; the facts say what was observed and
the criteria decide what it means. `facts_record` keeps what was derived, with the
steps and evidence behind it, beside the recommendation it fed.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import Exists, OuterRef
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from complaints.facts.derive import case_derived_facts
from complaints.models import Case, Evidence, Report
from complaints.reporters import partner_keys_by_email, reporter_identity
from policies.types import CaseFacts, PriorMeasure
from subscribers.models import Account

from .choices import Culpability, State, level_rank
from .transitions import REVIEW_REJECT

# Steps that mean our own session or mail log ties the report to the account.
OWN_LOG_STEPS = {
    "dynamic_session", "static_block", "shared_natlog", "shared_map_e", "maillog_confirms", "pop_before_smtp",
    "mail_account",
}  # fmt: skip
# Steps that mean our own mail server logged the submission (or the login before it).
MAIL_LOG_STEPS = {"maillog_confirms", "pop_before_smtp"}
# Evidence of a compromised machine (attribution's "compromise" keys), by the kind
# of hijack the criteria know. Attribution cannot tell an infected PC from a misused
# wireless LAN; an infected PC is the common case and what rule 5 covers.
# Report categories in which nobody complains (the mail was wanted, an unsubscribe
# request, an authentication failure report): kept with the case, never counted.
NOT_COMPLAINTS = {"not-spam", "opt-out", "auth-failure"}
HIJACK_KINDS = {"open_relay": "open_relay", "compromised_site": "compromised_site"}
LEGACY_HIJACK_STEPS = {"listed_as_exploited", "bot_helo", "reporter_burst"}
# A measure that was actually taken counts for the repeat-offender rule; a
# proposal that was rejected or is still pending does not. Nor does an emergency
# measure its review rejected (it ends "lifted", see `taken_measures`).
TAKEN_STATES = (State.CARRIED_OUT, State.NOTIFIED, State.HEARING, State.UPHELD, State.LIFTED)
ONGOING_WITHIN = timedelta(hours=24)


def case_facts(
    case: Case,
    *,
    culpability: str | None = None,
    exclude_sanction_id: int | None = None,
    derived: dict | None = None,
) -> CaseFacts:
    return case_facts_read(
        case, culpability=culpability, exclude_sanction_id=exclude_sanction_id, derived=derived
    )[0]


def case_facts_read(
    case: Case,
    *,
    culpability: str | None = None,
    exclude_sanction_id: int | None = None,
    derived: dict | None = None,
) -> tuple[CaseFacts, dict]:
    """The case's facts, and what was read for them beyond the case's own row, its
    subscribers' accounts and their measures (`read_facts_stored` keeps it, so that an
    evaluation on other criteria can start from it: `facts_from_read`)."""
    derived = derived if derived is not None else case_derived_facts(case)
    read = _read(case, derived)
    held = _held_accounts(case, not_blamed=set(read["not_blamed"]))
    prior = prior_measures(case, exclude_sanction_id=exclude_sanction_id)
    subscribers = len(held.subscribers) if held.changed else len(case_subscriber_ids(case))
    facts = _assemble(
        case,
        read,
        held=held,
        subscribers=subscribers,
        prior=prior,
        culpability=culpability,
        now=timezone.now(),
    )
    return facts, read


def _read(case: Case, derived: dict) -> dict:
    summary = case.attribution or {}
    # Narrow rows: a spam run reported thousands of times is one case, and this runs
    # after every change to it. The per-report JSON is read in the database.
    reports = list(
        Report.objects.filter(case=case)
        .annotate(
            at=Coalesce("occurred_at", "received_at"),
            basis=KT("attribution__origin__basis"),
            confirmed=KT("attribution__origin__confirmed"),
            named=KT("attribution__accounts"),
            claimed=KT("attribution__relaying_network__client_from_its_line"),
            disputed=KT("attribution__origin__disputed"),
        )
        .values_list(
            "reporter_key", "at", "category", "basis", "confirmed", "named", "claimed", "format", "disputed"
        )
    )
    # Counted by who is behind each report, not by the address it came from.
    partners = partner_keys_by_email() if reports else {}
    reports = [(reporter_identity(r[0], r[7], partners), *r[1:]) for r in reports]
    steps = _step_codes(case, summary)
    roles = case.roles or ()
    counted = _counted_reports([r for r in reports if r[2] not in NOT_COMPLAINTS], roles=roles)
    listings = list(
        Evidence.objects.filter(case=case, kind=Evidence.Kind.DNSBL, listed=True).values_list(
            "zone_kind", flat=True
        )
    )
    telemetry = derived["telemetry"]
    return {
        "not_blamed": list(derived["joe_job"]["not_blamed"]),
        "connection_type": _connection_type(steps),
        "sub_allocated": bool(summary.get("sub_allocation")),
        # Instants, not "within the window": the criteria's windows are applied at the
        # time of each evaluation.
        "reports": tuple((key, at) for key, at, *_ in counted),
        "own_log_confirms": any(code in OWN_LOG_STEPS for code in steps),
        "mail_log_confirms": any(code in MAIL_LOG_STEPS for code in steps),
        "origin_stated_only": bool(reports) and not _shown_origins(reports, roles=roles),
        # Reports were filed, and none of them names the account from a line we trust
        # (a case of our own telemetry has no reports at all: its logs are the evidence).
        "reports_name_nobody": bool(reports) and not counted,
        "dnsbl_exploited": "exploited" in listings,
        "telemetry": tuple(
            dict.fromkeys(tuple(telemetry["value"]) + (("dnsbl_listed",) if listings else ()))
        ),
        "aggravating": tuple(derived["aggravating"]["value"]),
        # The derived record's steps for it, before the criteria add their own (facts_record).
        "aggravating_steps": list(derived["aggravating"]["steps"]),
        "unknown_recipients": int(telemetry.get("unknown_recipients") or 0),
        "recipients_seen": int(telemetry.get("recipients_seen") or 0),
        "joe_job": bool(derived["joe_job"]["value"]),
        "shared_ipv4": bool(derived["shared_ipv4"]["value"]),
        "sender_is_customer": bool(derived["joe_job"].get("sender_is_customer")),
        "probable_victim": bool(summary.get("probable_victim")),
        # Logins from many addresses or new networks, or a sudden burst our own mail log
        # showed (POLICY.md's signs of stolen credentials: the holder is a victim).
        "stolen_credentials": bool(STOLEN_STEPS & steps),
        "hijack_kind": _hijack_kind(summary.get("compromise") or [], steps),
        "untested_relay": "relayed_for_outsider" in steps,
        "new_network_login": "login_from_new_network" in steps,
        "phishing": any((category or "").lower() == "phishing" for _key, _at, category, *_ in reports),
    }


def _assemble(
    case: Case,
    read: dict,
    *,
    held: Held,
    subscribers: int,
    prior: list,
    culpability: str | None,
    now: datetime,
) -> CaseFacts:
    """The facts from what was read, the case's row (roles, method, accounts, last
    seen), its subscribers' accounts and measures, at the time `now`."""
    return CaseFacts(
        roles=_roles(case, held),
        sending_method=case.sending_method or None,
        account_kinds=tuple(held.kinds) if held.changed else tuple(case.account_kinds or ()),
        connection_type=read["connection_type"],
        sub_allocated=read["sub_allocated"],
        accounts_identified=len(held.accounts) if held.changed else len(case.accounts or ()),
        subscribers_identified=subscribers,
        reports=read["reports"],
        own_log_confirms=read["own_log_confirms"],
        mail_log_confirms=read["mail_log_confirms"],
        origin_stated_only=read["origin_stated_only"],
        reports_name_nobody=read.get("reports_name_nobody", False),
        dnsbl_exploited=read["dnsbl_exploited"],
        telemetry=read["telemetry"],
        warned_before=bool(_went_on_after(case, [p.decided_at for p in prior if level_rank(p.level) >= L2])),
        aggravating=read["aggravating"],
        unknown_recipients=read["unknown_recipients"],
        recipients_seen=read["recipients_seen"],
        joe_job=read["joe_job"],
        shared_ipv4=read["shared_ipv4"],
        sender_is_customer=read["sender_is_customer"],
        probable_victim=read["probable_victim"],
        stolen_credentials=read["stolen_credentials"],
        hijack_kind=read["hijack_kind"],
        untested_relay=read.get("untested_relay", False),
        new_network_login=read.get("new_network_login", False),
        phishing=read["phishing"],
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


def read_facts_stored(read: dict) -> dict:
    """What was read, as JSON (report times as ISO instants)."""
    return {**read, "reports": [[key, at.isoformat()] for key, at in read["reports"]], "format": 1}


def read_facts_loaded(stored: dict) -> dict | None:
    """The inverse of read_facts_stored; None for a format this code does not know."""
    if stored.get("format") != 1:
        return None
    read = dict(stored)
    del read["format"]
    read["reports"] = tuple((key, datetime.fromisoformat(at)) for key, at in stored["reports"])
    read["telemetry"] = tuple(stored["telemetry"])
    read["aggravating"] = tuple(stored["aggravating"])
    return read


class CaseInventory(NamedTuple):
    """One case's accounts and their subscribers' measures, read in bulk (cases_inventory)."""

    held: Held
    subscribers: int
    prior: list
    warnings: list[dict]


def cases_inventory(cases: list[Case], not_blamed: dict[int, set[str]]) -> dict[int, CaseInventory]:
    """For many cases at once, what case_facts reads per case from the subscribers'
    records: the accounts the case names (less a forged customer's), how many
    subscribers hold them, their measures taken and the warnings among them.
    Two queries, whatever the number of cases."""
    wanted = {a for case in cases for a in case.accounts or ()}
    rows = list(
        Account.objects.filter(account_id__in=wanted).values_list(
            "account_id", "kind", "subscriber_id", "subscriber__subscriber_id"
        )
    )  # in Account's order, as _held_accounts and case_subscriber_ids read them
    by_subscriber: dict[int, list] = {}
    for s in (
        taken_measures()
        .filter(account__subscriber_id__in={row[2] for row in rows})
        .order_by("created_at", "id")
        .values_list(
            "pk",
            "account__subscriber_id",
            "level",
            "culpability",
            "carried_out_at",
            "decided_at",
            "created_at",
        )
    ):
        by_subscriber.setdefault(s[1], []).append(s)
    found = {}
    for case in cases:
        named = set(case.accounts or ())
        mine = [row for row in rows if row[0] in named]
        subscribers = {row[2] for row in mine}
        blamed = not_blamed.get(case.pk) or set()
        held = _held_from_rows(mine, not_blamed=blamed) if blamed else Held([], [], set(), False)
        measures = sorted(
            (s for sub in subscribers for s in by_subscriber.get(sub, ())), key=lambda s: (s[6], s[0])
        )
        prior = [Prior(s[2], s[3], s[4] or s[5] or s[6]) for s in measures]
        latest = sorted(measures, key=lambda s: (s[6], s[0]), reverse=True)[:5]
        taken = [(s[0], s[2], s[4] or s[5] or s[6]) for s in latest]
        went_on = set(_went_on_after(case, [at for _pk, _level, at in taken]))
        warnings = _warning_steps(m for m in taken if m[2] in went_on)
        found[case.pk] = CaseInventory(
            held, len(held.subscribers) if held.changed else len(subscribers), prior, warnings
        )
    return found


def facts_from_read(case: Case, read: dict, inventory: CaseInventory, *, now: datetime) -> CaseFacts:
    """The facts case_facts gives (no culpability recorded, no measure left out) from
    what an earlier evaluation read, at the time `now`."""
    return _assemble(
        case, read, held=inventory.held, subscribers=inventory.subscribers, prior=inventory.prior,
        culpability=None, now=now,
    )  # fmt: skip


def case_facts_for_page(
    case: Case, *, culpability: str | None = None, exclude_sanction_id: int | None = None
) -> CaseFacts:
    """The case's facts for a page a person is looking at, or for a decision on a measure
    that checks its guards again (services.propose.sanction_facts_problems).

    Our mail log (S2) is read only by the evaluation that stores the recommendation, whose
    access is on the record; a page takes the mail-log figures that evaluation stored
    instead of reading the log again for every view."""
    derived = case_derived_facts(case, traffic=False)
    stored = ((case.recommendation or {}).get("facts") or {}).get("telemetry")
    if stored:
        derived["telemetry"] = stored
    return case_facts(case, culpability=culpability, exclude_sanction_id=exclude_sanction_id, derived=derived)


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
    return _held_from_rows(rows, not_blamed=not_blamed)


def _held_from_rows(rows, *, not_blamed: set[str]) -> Held:
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


def facts_record(
    case: Case, derived: dict, facts: CaseFacts, recommendation: dict, *, warnings: list[dict] | None = None
) -> dict:
    """What was derived, as stored with the recommendation (codes, steps, record ids):
    the criteria's own conclusions added (made-up recipients, a warning before).
    `warnings`: the steps of the warnings before, when already read (cases_inventory)."""
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
        for prior in _warnings(case) if warnings is None else warnings:
            aggravating["steps"].append(prior)
    return record


L2 = level_rank("L2")


def _went_on_after(case: Case, warned_at: list[datetime]) -> list[datetime]:
    """The warnings the case's spam went on after: a report of it from a later instant.
    A warning with nothing after it (the one just carried out on this case) is not yet
    'went on after a documented warning' (POLICY.md E4)."""
    last = case.last_seen
    return [at for at in warned_at if at is not None and last is not None and at < last]


def _warnings(case: Case) -> list[dict]:
    measures = (
        taken_measures()
        .filter(account__subscriber_id__in=case_subscriber_ids(case))
        .order_by("-created_at", "-id")[:5]
    )
    taken = [(s.pk, s.level, s.carried_out_at or s.decided_at or s.created_at) for s in measures]
    went_on = set(_went_on_after(case, [at for _pk, _level, at in taken]))
    return _warning_steps(m for m in taken if m[2] in went_on)


def _warning_steps(measures) -> list[dict]:
    """The latest measures taken (pk, level, when), newest first, as warning steps."""
    return [
        {
            "code": "warned_before",
            "sanction": pk,
            "level": level,
            "at": at.isoformat(),
            "evidence": [],
            "reports": [],
            "count": 0,
        }
        for pk, level, at in measures
        if level_rank(level) >= level_rank("L2")
    ]


# A subscriber behind a shared IPv4 address, named by the NAT log's port block or by
# the MAP-E rule and the session log's holder of the IPv6 prefix, is on a consumer
# connection whose public address and ports come and go with its lease: dynamic.
DYNAMIC_STEPS = {"dynamic_session", "shared_natlog", "shared_map_e"}


def _connection_type(steps: set[str]) -> str | None:
    if "static_block" in steps:
        return "static"
    if DYNAMIC_STEPS & steps:
        return "dynamic"
    return None


def _step_codes(case: Case, summary: dict) -> set[str]:
    """Every step code of the case's reports: the roll-up keeps them; an older
    roll-up without them is read from the reports once."""
    if "step_codes" in summary:
        return set(summary["step_codes"])
    attributions = Report.objects.filter(case=case).values_list("attribution", flat=True)
    return {step.get("code") for a in attributions for step in (a or {}).get("steps", [])}


def _shown_origins(reports, *, roles) -> list:
    """The reports whose origin something shows: an origin a complainant only stated in
    words counts once a person has confirmed it. A hosting case rests on the advertised
    host, not on the origin, so its reports all count."""
    if "hosting" in roles:
        return list(reports)
    return [r for r in reports if not (r[3] == "stated" and not _true(r[4]))]


def _counted_reports(reports, *, roles) -> list:
    """The reports evidence may count (E1, and E2's distinct reporters): those whose
    origin something shows and whose own attribution names an account of ours from a
    line we trust. A case keyed by an address can hold reports that identify nobody
    (a shared address without a port, a time only the sender wrote) or somebody else:
    those never count toward one customer's evidence. Nor does a report that names our
    customer only in the line another provider's server wrote below its own (anyone
    can write that line: a lead to pass on, not evidence)."""
    if "hosting" in roles:
        return list(reports)
    naming = [
        (r, _accounts(r[5]))
        for r in _shown_origins(reports, roles=roles)
        # r[6]: named only in another provider's line; r[8]: the report's field and its
        # own copy of the message disagree on the origin.
        if not _true(r[6]) and not _true(r[8])
    ]
    naming = [(r, accounts) for r, accounts in naming if accounts]
    if not naming:
        return []
    # A case keyed by an address can hold reports naming different customers (a shared
    # address, our smarthost): E2 is N reporters about the same account, so only the
    # reports naming the account the most reporters name count.
    reporters: dict[str, set] = {}
    for r, accounts in naming:
        for account in accounts:
            reporters.setdefault(account, set()).add(r[0])
    subject = max(sorted(reporters), key=lambda a: len(reporters[a]))
    return [r for r, accounts in naming if subject in accounts]


def _accounts(named) -> list[str]:
    """The accounts a report's attribution names (its JSON list, as the database gives it)."""
    if isinstance(named, list):
        return [str(a) for a in named]
    if not named or named in ("[]", "null"):
        return []
    try:
        value = json.loads(named)
    except (TypeError, ValueError):
        return []
    return [str(a) for a in value] if isinstance(value, list) else []


def _true(value) -> bool:
    return str(value).lower() in ("true", "1")


STOLEN_STEPS = frozenset({"many_client_addresses", "sudden_burst"})


def _hijack_kind(compromise: list[dict], steps: set[str]) -> str | None:
    keys = {c.get("key") for c in compromise}
    keys.discard("stolen_credentials")  # a password, not a machine: rule 2, not a hijack
    for key in keys:
        if key in HIJACK_KINDS:
            return HIJACK_KINDS[key]
    if keys or LEGACY_HIJACK_STEPS & steps:
        return "infected_pc"
    return None


def taken_measures():
    """The measures taken, as earlier measures and documented warnings count them.

    An emergency measure the review rejected was carried out and then lifted, but it
    was never a valid measure: its `review_reject` transition (the record of that
    decision) leaves it out of warned_before (E4) and the prior measures (rule 14)."""
    from .models import Sanction, Transition

    rejected_on_review = Transition.objects.filter(sanction=OuterRef("pk"), action=REVIEW_REJECT)
    return Sanction.objects.filter(state__in=TAKEN_STATES).filter(~Exists(rejected_on_review))


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
    measures = (
        taken_measures()
        .filter(account__subscriber_id__in=case_subscriber_ids(case))
        .order_by("created_at", "id")
    )
    if exclude_sanction_id is not None:
        measures = measures.exclude(pk=exclude_sanction_id)
    return [Prior(s.level, s.culpability, s.carried_out_at or s.decided_at or s.created_at) for s in measures]


class Prior(NamedTuple):
    level: str
    culpability: str
    decided_at: datetime
