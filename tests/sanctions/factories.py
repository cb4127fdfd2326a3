"""Cases, recommendations and sanctions for the sanctions tests."""

from __future__ import annotations

from datetime import timedelta

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.models import Case, Report
from complaints.services import report_ingest
from policies.types import Recommendation
from sanctions.choices import State, Target
from sanctions.services import sanction_emergency_execute, sanction_propose, sanction_transition
from subscribers.models import Account
from tests.attribution.conftest import HANDOVER

STATIC_IP = "203.0.113.5"  # the static line of C-3 (subscriber S-3, c3@mail.example.jp)
# taro's mail account (subscriber S-1): our mail log records his authenticated submission
# (queue id 4F2A1C3D) from 198.51.100.23 half an hour before the handover.
MAIL_ACCOUNT = "M-1"
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


def submitted(at=HANDOVER - timedelta(minutes=30)) -> bytes:
    """The spam taro submitted through our mail server (smtp1), as a receiver got it."""
    stamp = f"{at:%a, %d %b %Y %H:%M:%S +0000}"
    lines = [
        "Received: from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example "
        f"with ESMTPS id {next(_counter)}; {stamp}",
        "Received: from pc (unknown [198.51.100.23]) (Authenticated sender: taro) by smtp1.isp.example.jp "
        f"(Postfix) with ESMTPSA id 4F2A1C3D; {stamp}",
        "From: sale@spammer.example",
        "To: victim@receiver.example",
        "Subject: Cheap pills",
        "Message-ID: <run-1@pc.invalid>",
        "Date: Fri, 20 Nov 2026 14:00:00 +0900",
        "",
        "Buy now http://cheap.example.net/x",
        "",
    ]
    return "\r\n".join(lines).encode()


def case_from_submissions(reporters=REPORTERS) -> Case:
    """taro's submission reported by each reporter, attributed: a case about a mail account
    (M-1), the kind of account L4 (stop outbound mail) and L5 (suspend) act on."""
    report = None
    for reporter in reporters:
        report = report_ingest(
            raw=submitted(), channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False
        ).report
        report_attribute(report_id=report.pk)
    return Case.objects.get(pk=report.case_id)


def mail_account() -> Account:
    return Account.objects.get(account_id=MAIL_ACCOUNT)


HOSTED_PAGE = "http://shop.example.jp/offer"  # a page on H-1's site (subscriber S-4)


def advertising(n: int, origin: str = "192.0.2.200", at=HANDOVER) -> bytes:
    """Spam sent from elsewhere that advertises a page on a site we host."""
    return (
        f"Received: from pc ([{origin}]) by mx.receiver.example (Postfix) with ESMTP id A{next(_counter)}; "
        f"{at:%a, %d %b %Y %H:%M:%S +0000}\r\n"
        f"From: sale@spammer.example\r\nTo: victim@receiver.example\r\nSubject: Offer {n}\r\n"
        f"Message-ID: <ad-{next(_counter)}@spammer.example>\r\n\r\nBuy at {HOSTED_PAGE}\r\n"
    ).encode()


def case_about_hosted_content(reporters=REPORTERS) -> Case:
    """Spam advertising HOSTED_PAGE, one report per reporter, attributed: a case about
    content we host (H-1), which L5 can disable."""
    report = None
    for n, reporter in enumerate(reporters):
        report = report_ingest(
            raw=advertising(n), channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False
        ).report
        report_attribute(report_id=report.pk)
    return Case.objects.get(pk=report.case_id)


def hosted_content() -> dict:
    """The `propose` arguments for a measure on the hosted page (not on a whole account)."""
    return {
        "account": Account.objects.get(account_id="H-1"),
        "target_kind": Target.HOSTING_CONTENT,
        "content_ref": HOSTED_PAGE,
    }


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


# The levels a connection account such as C-3 can take (the ladder's L4 and L5 act on a
# mail account or hosted content), in the order tests that need several measures awaiting
# a decision on one case propose them: one pending proposal per level and target
# (sanctions.checks.duplicate_proposal_problem), so each is at another level.
CONNECTION_LEVELS = ("L3", "L2", "L1", "L0", "L6", "L7")


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
