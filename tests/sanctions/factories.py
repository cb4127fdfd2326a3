"""Cases, recommendations and sanctions for the sanctions tests."""

from __future__ import annotations

from datetime import timedelta

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.models import Case, Report
from complaints.services import report_ingest
from policies.types import Recommendation
from sanctions.choices import State
from sanctions.services import sanction_emergency_execute, sanction_propose, sanction_transition
from subscribers.models import Account
from tests.attribution.conftest import HANDOVER

STATIC_IP = "203.0.113.5"  # the static line of C-3 (subscriber S-3, c3@mail.example.jp)
REPORTERS = ["email:alice@receiver.example", "email:bob@other-receiver.example", "partner:Receiver ISP"]
_counter = iter(range(10**6))


def spam(ip: str, at) -> bytes:
    received = (
        f"from mail.bulk-sender.example (unknown [{ip}]) by mx.receiver.example (Postfix) "
        f"with ESMTP id {next(_counter)}; {at:%a, %d %b %Y %H:%M:%S +0000}"
    )
    lines = [
        f"Received: {received}",
        "From: sale@spammer.example",
        "To: victim@receiver.example",
        "Subject: Cheap pills",
        f"Message-ID: <m{next(_counter)}@pc.invalid>",
        "Date: Fri, 20 Nov 2026 14:00:00 +0900",
        "",
        "Buy now http://cheap.example.net/x",
        "",
    ]
    return "\r\n".join(lines).encode()


def case_from_reports(ip: str = STATIC_IP, reporters=REPORTERS, at=HANDOVER) -> Case:
    """One report per reporter, attributed: a case at E2 with three reporters."""
    report = None
    for n, reporter in enumerate(reporters):
        raw = spam(ip, at + timedelta(minutes=n))
        report = report_ingest(
            raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False
        ).report
        report_attribute(report_id=report.pk)
    return Case.objects.get(pk=report.case_id)


def recommendation(**overrides) -> Recommendation:
    values = {
        "criteria_version": 1,
        "rule": "3",
        "level": "L3",
        "target": "connection_account",
        "evidence_level": "E3",
        "evidence_reasons": ("evidence.one_account",),
        "culpability": "intentional",
        "clauses": ("C-03a", "C-07"),
        "legal_basis": ("legitimate_business_act", "jp_sem_art11"),
        "approval": "staff",
        # Rule 3's ongoing-flood step: the criteria allow acting first (C-09).
        "emergency_allowed": True,
        "reasons": ("rule.matched:3",),
    }
    return Recommendation(**{**values, **overrides})


def evidence_of(case: Case) -> list[str]:
    return [f"report:{pk}" for pk in Report.objects.filter(case=case).values_list("pk", flat=True)]


def propose(case: Case, proposer, **overrides):
    """A proposal that meets every guard; an emergency one also cites C-09."""
    values = {
        "case": case,
        "account": Account.objects.get(account_id="C-3"),
        "level": "L3",
        "justification": "Three reporters within a day from the static line; the customer runs its own MTA.",
        "clauses": ["C-03a", "C-07"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": evidence_of(case),
        "culpability": "intentional",
        "proposer": proposer,
    }
    if overrides.get("emergency") and "clauses" not in overrides:
        values["clauses"] = [*values["clauses"], "C-09"]
    return sanction_propose(**{**values, **overrides})


# How to reach each state from "proposed": (to_state, who) steps. "decider" is a
# manager who did not propose; "desk" is any desk user.
PATHS = {
    State.PROPOSED: [],
    State.MORE_EVIDENCE: [(State.MORE_EVIDENCE, "decider")],
    State.APPROVED: [(State.APPROVED, "decider")],
    State.REJECTED: [(State.REJECTED, "decider")],
    State.CARRIED_OUT: [(State.APPROVED, "decider"), (State.CARRIED_OUT, "desk")],
    State.NOTIFIED: [(State.APPROVED, "decider"), (State.CARRIED_OUT, "desk"), (State.NOTIFIED, "desk")],
    State.HEARING: [
        (State.APPROVED, "decider"),
        (State.CARRIED_OUT, "desk"),
        (State.NOTIFIED, "desk"),
        (State.HEARING, "desk"),
    ],
    State.UPHELD: [
        (State.APPROVED, "decider"),
        (State.CARRIED_OUT, "desk"),
        (State.NOTIFIED, "desk"),
        (State.UPHELD, "decider"),
    ],
    State.LIFTED: [
        (State.APPROVED, "decider"),
        (State.CARRIED_OUT, "desk"),
        (State.NOTIFIED, "desk"),
        (State.LIFTED, "decider"),
    ],
}
# An emergency measure reaches its in-force states without approval, after the
# emergency step ("step": why it cannot wait) that the record must show.
STEP = "emergency_step"
EMERGENCY_PATHS = {
    State.PROPOSED: [],
    State.CARRIED_OUT: [(STEP, "desk"), (State.CARRIED_OUT, "desk")],
    State.NOTIFIED: [(STEP, "desk"), (State.CARRIED_OUT, "desk"), (State.NOTIFIED, "desk")],
    State.HEARING: [
        (STEP, "desk"),
        (State.CARRIED_OUT, "desk"),
        (State.NOTIFIED, "desk"),
        (State.HEARING, "desk"),
    ],
}


def emergency_step(sanction, actor, reason="flood going on now"):
    return sanction_emergency_execute(sanction_id=sanction.pk, actor=actor, reason=reason)


def walk(sanction, steps, *, desk, decider):
    for to_state, who in steps:
        actor = decider if who == "decider" else desk
        if to_state == STEP:
            emergency_step(sanction, actor)
            continue
        sanction = sanction_transition(
            sanction_id=sanction.pk, to_state=to_state, actor=actor, reason=f"test: {to_state}"
        )
    return sanction
