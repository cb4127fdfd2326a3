"""Case facts in, recommendation out: a pure function of its two arguments.

No ORM, no HTTP, no Celery, no clock (the time is `facts.now`, else the latest
report). That keeps it fast enough to re-evaluate every open case when a rule
changes, and lets a decision be replayed from the stored facts and version.

Order: joe job and shared IPv4 stop early; then the first case rule that matches
(by position), the evidence level with that rule's N and W, the culpability, the
rule's ladder, the repeat-offender rules, and last the guards (policies.guards).
"""

from __future__ import annotations

import calendar
import dataclasses
from datetime import datetime, timedelta

from .guards import Draft, apply_guards, is_external
from .snapshot import (
    DEFAULT_REPORTERS,
    DEFAULT_WINDOW_DAYS,
    EVIDENCE_RANK,
    LEVEL_RANK,
    CriteriaSnapshot,
    RuleSpec,
    Step,
)
from .types import CaseFacts, Recommendation

AGGRAVATING_CLAUSES = {"forged_sender": "C-03b", "made_up_recipients": "C-03c", "identity_fraud": "C-04"}
L7 = LEVEL_RANK["L7"]

FLAG_TESTS = {
    "stolen_credentials": lambda f: f.stolen_credentials,
    "phishing": lambda f: f.phishing,
    "delegated_network": lambda f: f.sub_allocated or "upstream" in f.roles,
    "external_only": is_external,
}


def evaluate(facts: CaseFacts, criteria: CriteriaSnapshot) -> Recommendation:
    if facts.joe_job:
        return _early(facts, criteria, "joe_job", ("evidence.joe_job",))
    if facts.shared_ipv4:
        return _early(facts, criteria, "cannot_identify_subscriber", ("evidence.shared_ipv4",))
    if made_up_recipients(facts, criteria) and "made_up_recipients" not in facts.aggravating:
        facts = dataclasses.replace(facts, aggravating=facts.aggravating + ("made_up_recipients",))
    rule = match_rule(facts, criteria)
    n, w = (rule.reporters_n, rule.window_days) if rule else (DEFAULT_REPORTERS, DEFAULT_WINDOW_DAYS)
    evidence, evidence_reasons = evidence_level(facts, reporters_n=n, window_days=w)
    culpability, culpability_reasons = culpability_of(facts, rule, evidence)
    if rule is None:
        draft = Draft(rule=None, level="L0", no_measure_reason="no_rule_matches", reasons=["rule.none"])
    else:
        draft = _walk_rule(facts, rule, evidence, culpability)
        _repeat_offender(draft, facts, criteria, evidence, culpability)
    apply_guards(draft, facts, evidence, criteria)
    return _freeze(draft, criteria, evidence, evidence_reasons, culpability, culpability_reasons)


def made_up_recipients(facts: CaseFacts, criteria: CriteriaSnapshot) -> bool:
    """Our mail log shows mail to made-up addresses, by the criteria's thresholds."""
    seen = facts.recipients_seen
    if seen < criteria.made_up_minimum or seen <= 0:
        return False
    return facts.unknown_recipients * 100 >= criteria.made_up_percent * seen


def match_rule(facts: CaseFacts, criteria: CriteriaSnapshot) -> RuleSpec | None:
    roles, kinds = set(facts.roles), set(facts.account_kinds)
    for rule in criteria.rules:
        if _matches(rule, facts, roles, kinds):
            return rule
    return None


def _matches(rule: RuleSpec, facts: CaseFacts, roles: set, kinds: set) -> bool:
    # An empty match list means "any".
    if rule.methods and facts.sending_method not in rule.methods:
        return False
    if rule.account_kinds and not rule.account_kinds & kinds:
        return False
    if rule.connection_types and facts.connection_type not in rule.connection_types:
        return False
    if rule.roles and not rule.roles & roles:
        return False
    if rule.hijack_kinds and facts.hijack_kind not in rule.hijack_kinds:
        return False
    return all(FLAG_TESTS[flag](facts) for flag in rule.requires)


# --- evidence and culpability -------------------------------------------------------


def evidence_level(facts: CaseFacts, *, reporters_n: int, window_days: int) -> tuple[str, tuple[str, ...]]:
    if facts.shared_ipv4:
        return "E0", ("evidence.shared_ipv4",)
    if facts.origin_stated_only:
        # A complainant's words name the address; nothing we hold shows it yet.
        return "E0", ("evidence.origin_stated_only",)
    parties = parties_identified(facts)
    if parties == 0 or (parties > 1 and not facts.mail_log_confirms):
        # Zero: nobody; several subscribers: the attribution did not settle on one party.
        return "E0", (f"evidence.subscribers_identified:{parties}",)
    if facts.reports_name_nobody:
        # The case names an account, but no report of it does from a line we trust.
        return "E0", ("evidence.no_report_names_the_account",)
    # A submission our own mail server logged ties the mail account to it even when
    # the client's line belongs to somebody else (a stolen password, say).
    level, reasons = (
        "E1",
        ["evidence.mail_log_confirms" if facts.mail_log_confirms else "evidence.one_subscriber"],
    )
    distinct = max_distinct_reporters(facts.reports, timedelta(days=window_days))
    reasons.append(f"evidence.reporters:{distinct},{reporters_n},{window_days}")
    if distinct >= reporters_n:
        level = "E2"
    signals = facts.telemetry + (("dnsbl_exploited",) if facts.dnsbl_exploited else ())
    if signals:
        level = "E3"
        reasons.append("evidence.telemetry:" + ",".join(signals))
    if facts.warned_before:
        level = "E4"
        reasons.append("evidence.went_on_after_warning")
    if facts.aggravating:
        level = "E4"
        reasons.append("evidence.aggravating:" + ",".join(facts.aggravating))
    return level, tuple(reasons)


def parties_identified(facts: CaseFacts) -> int:
    """Distinct subscribers the case names: one subscriber's accounts are one party."""
    if facts.subscribers_identified is not None:
        return facts.subscribers_identified
    return facts.accounts_identified


def max_distinct_reporters(reports, window: timedelta) -> int:
    """The most distinct reporters seen within any span of `window` (ends included).

    A sliding window over the reports in time order: O(n log n) for the sort.
    """
    events = sorted(reports, key=lambda r: r[1])
    counts: dict[str, int] = {}
    best = start = 0
    for key, at in events:
        counts[key] = counts.get(key, 0) + 1
        while at - events[start][1] > window:
            old = events[start][0]
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            start += 1
        best = max(best, len(counts))
    return best


def culpability_of(facts: CaseFacts, rule: RuleSpec | None, evidence: str) -> tuple[str, tuple[str, ...]]:
    if facts.culpability:
        return facts.culpability, ("culpability.recorded",)
    if facts.stolen_credentials:
        return "victim", ("culpability.stolen_credentials",)
    if facts.sending_method == "hijacked_host" or facts.hijack_kind:
        return "victim", (f"culpability.hijacked:{facts.hijack_kind or 'host'}",)
    if facts.probable_victim:
        return "victim", ("culpability.probable_victim",)
    if facts.untested_relay:
        return "undetermined", ("culpability.untested_relay",)
    if facts.new_network_login:
        return "undetermined", ("culpability.new_network_login",)
    if rule is not None:
        if rule.intentional_if_sender and ("sending" in facts.roles or facts.sender_is_customer):
            return "intentional", ("culpability.customer_is_sender",)
        at = rule.intentional_at
        if at and EVIDENCE_RANK[evidence] >= EVIDENCE_RANK[at]:
            return "intentional", (f"culpability.intentional_at:{at}",)
        if rule.default_culpability != "undetermined":
            return rule.default_culpability, (f"culpability.rule_default:{rule.default_culpability}",)
    return "undetermined", ("culpability.undetermined_as_victim",)


# --- the ladder ---------------------------------------------------------------------


def _walk_rule(facts: CaseFacts, rule: RuleSpec, evidence: str, culpability: str) -> Draft:
    step = _walk(rule, facts, evidence, culpability, top=L7)
    reasons = [f"rule.matched:{rule.key}"]
    if step is not None and step.level == "L7" and culpability != "intentional":
        # Undetermined counts as victim: a victim never advances to L7 on its own.
        step = _walk(rule, facts, evidence, culpability, top=L7 - 1)
        reasons.append("guard.victim_never_l7")
    if step is None:
        why = "not_tied_to_our_records" if evidence == "E0" else "evidence_too_weak"
        return Draft(rule=rule.key, level="L0", no_measure_reason=why, reasons=reasons)
    draft = Draft(
        rule=rule.key,
        level=step.level,
        also=step.also,
        target=step.target or rule.target,
        clauses=_unique(rule.clauses + step.clauses),
        legal_basis=list(step.legal_basis or rule.legal_basis),
        approval=step.approval,
        notice=step.notice,
        hearing=step.hearing,
        review_hours=step.review_hours,
        emergency=step.emergency,
        forward_to=step.forward_to or rule.forward_to,
        reasons=reasons + [f"rule.step:{step.level}"] + ([f"note:{step.note}"] if step.note else []),
    )
    if draft.target not in ("none", "forward"):
        extra = [AGGRAVATING_CLAUSES[a] for a in facts.aggravating if a in AGGRAVATING_CLAUSES]
        draft.clauses = _unique(draft.clauses + extra)
    return draft


def _walk(rule: RuleSpec, facts: CaseFacts, evidence: str, culpability: str, *, top: int) -> Step | None:
    """The last step (ladders go least restrictive first) whose conditions hold."""
    for step in reversed(rule.ladder):
        if LEVEL_RANK[step.level] <= top and _holds(step, rule, facts, evidence, culpability):
            return step
    return None


def _holds(step: Step, rule: RuleSpec, facts: CaseFacts, evidence: str, culpability: str) -> bool:
    when = step.when
    if EVIDENCE_RANK[evidence] < EVIDENCE_RANK[when.evidence]:
        return False
    if when.culpability and (culpability == "intentional") != (when.culpability == "intentional"):
        return False
    if (when.ongoing and not facts.ongoing) or (when.own_logs and not facts.own_log_confirms):
        return False
    if when.warned and not facts.warned_before:
        return False
    if when.after:
        return len(_priors_at_least(rule, facts, when.after)) >= _priors_needed(rule)
    return True


def _priors_needed(rule: RuleSpec) -> int:
    return rule.repeat_count if rule.kind == "repeat_offender" else 1


def _priors_at_least(rule: RuleSpec, facts: CaseFacts, level: str) -> list:
    """Prior measures at `level` or above within the rule's repeat window.

    A repeat-offender rule counts only intentional ones.
    """
    cutoff = _months_before(_now(facts), rule.repeat_window_months)
    floor = LEVEL_RANK[level]
    return [
        p
        for p in facts.prior_measures
        if LEVEL_RANK.get(p.level, -1) >= floor
        and (cutoff is None or p.decided_at >= cutoff)
        and (p.intentional or rule.kind != "repeat_offender")
    ]


def _repeat_offender(
    draft: Draft, facts, criteria: CriteriaSnapshot, evidence: str, culpability: str
) -> None:
    if draft.target in ("none", "forward"):
        return
    # Victims (and undetermined) never reach L7 through a repeat-offender rule either.
    top = L7 if culpability == "intentional" else L7 - 1
    for rule in criteria.repeat_rules:
        step = _walk(rule, facts, evidence, culpability, top=top)
        # At the same level the repeat rule is the more telling reason, so it takes over.
        if step is None or LEVEL_RANK[step.level] < draft.rank:
            continue
        count = len(_priors_at_least(rule, facts, step.when.after or "L0"))
        draft.reasons.append(f"rule.repeat_offender:{rule.key},{count},{rule.repeat_window_months}")
        draft.rule, draft.level, draft.approval = rule.key, step.level, step.approval
        draft.target = step.target or draft.target
        draft.clauses = _unique(draft.clauses + list(rule.clauses + step.clauses))
        draft.legal_basis = list(step.legal_basis or rule.legal_basis)
        if step.note:
            draft.reasons.append(f"note:{step.note}")


# --- helpers ------------------------------------------------------------------------


def _now(facts: CaseFacts) -> datetime | None:
    if facts.now is not None:
        return facts.now
    return max((at for _, at in facts.reports), default=None)


def _months_before(when: datetime | None, months: int) -> datetime | None:
    if when is None:
        return None  # no clock to measure from: count every prior measure
    years, month0 = divmod(when.month - 1 - months, 12)
    year, month = when.year + years, month0 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


def _early(facts: CaseFacts, criteria: CriteriaSnapshot, reason: str, evidence_reasons) -> Recommendation:
    """Joe job and shared IPv4: close at L0, naming no account."""
    draft = Draft(rule=None, level="L0", notice=False, hearing=False)
    draft.stand_down(reason)
    culpability = ("victim", ("culpability.joe_job",)) if facts.joe_job else culpability_of(facts, None, "E0")
    return _freeze(draft, criteria, "E0", evidence_reasons, *culpability)


def _freeze(draft: Draft, criteria, evidence, evidence_reasons, culpability, culpability_reasons):
    return Recommendation(
        criteria_version=criteria.version,
        rule=draft.rule,
        level=draft.level,
        also=tuple(draft.also),
        target=draft.target,
        evidence_level=evidence,
        evidence_reasons=tuple(evidence_reasons),
        culpability=culpability,
        culpability_reasons=tuple(culpability_reasons),
        clauses=tuple(draft.clauses),
        legal_basis=tuple(draft.legal_basis),
        approval=draft.approval,
        notice_required=bool(draft.notice),
        hearing_required=bool(draft.hearing),
        review_within_hours=draft.review_hours,
        emergency_allowed=draft.emergency,
        forward_to=draft.forward_to,
        no_measure_reason=draft.no_measure_reason,
        reasons=tuple(draft.reasons),
    )
