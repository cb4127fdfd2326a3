"""The guards no configuration can switch off (POLICY.md)."""

import itertools

import pytest

from policies.evaluation import evaluate
from policies.snapshot import LEVEL_RANK, snapshot_build

from .factories import (
    THREE_REPORTERS,
    compromised_site,
    default_snapshot,
    facts,
    hosted_site,
    mail_sending,
    prior,
    static_connection,
    stolen_mail,
)


def one_rule(version=9, **fields):
    """A snapshot with one configured rule, as a careless ISP might write it."""
    rule = {"key": "x", "target": "mail_account", "clauses": ["C-08"], "legal_basis": ["contract"], **fields}
    return snapshot_build(version=version, rules=[rule])


def test_l4_without_a_recorded_culpability_is_capped_at_l3(snapshot):
    rec = evaluate(mail_sending(warned_before=True), snapshot)
    assert rec.level == "L3"
    assert "guard.capped_at_l3:recorded_culpability" in rec.reasons


def test_l4_below_e2_is_capped_at_l3():
    rec = evaluate(
        facts(culpability="intentional"), one_rule(ladder=[{"level": "L5", "approval": "manager"}])
    )
    assert rec.level == "L3"
    assert "guard.capped_at_l3:evidence_e2" in rec.reasons


def test_l4_without_legal_basis_or_clause_is_capped_at_l3():
    snap = one_rule(clauses=[], legal_basis=[], ladder=[{"level": "L6"}])
    rec = evaluate(facts(reports=THREE_REPORTERS, culpability="intentional"), snap)
    assert rec.level == "L3"
    assert "guard.capped_at_l3:legal_basis,clause" in rec.reasons


def test_l4_and_above_need_at_least_a_manager_whatever_the_rule_says():
    snap = one_rule(ladder=[{"level": "L4", "approval": "staff"}])
    rec = evaluate(facts(reports=THREE_REPORTERS, culpability="intentional"), snap)
    assert (rec.level, rec.approval) == ("L4", "manager")
    assert "guard.manager_approval" in rec.reasons


def test_a_victim_never_reaches_l7(snapshot):
    f = mail_sending(reports=THREE_REPORTERS, culpability="victim", prior_measures=(prior("L4"), prior("L4")))
    rec = evaluate(f, snapshot)
    assert rec.level == "L3"
    assert "guard.victim_never_l7" in rec.reasons


def test_a_victim_never_reaches_l7_even_when_the_rule_says_so():
    snap = one_rule(ladder=[{"level": "L7", "approval": "manager_legal"}])
    rec = evaluate(facts(reports=THREE_REPORTERS, culpability="victim"), snap)
    assert rec.level == "L0"
    assert rec.no_measure_reason == "evidence_too_weak"
    assert "guard.victim_never_l7" in rec.reasons


def test_hosting_acts_on_the_content_not_the_connection():
    snap = one_rule(roles=["hosting"], target="connection_account", ladder=[{"level": "L6"}])
    rec = evaluate(hosted_site(reports=THREE_REPORTERS, culpability="intentional"), snap)
    assert (rec.level, rec.target) == ("L5", "hosting_content")
    assert "guard.hosting_content_first" in rec.reasons


def test_a_site_on_a_home_connection_never_cuts_the_connection_by_default():
    snap = one_rule(roles=["hosting"], target="connection_account", ladder=[{"level": "L6"}])
    f = facts(
        roles=("hosting",), account_kinds=("connection",), reports=THREE_REPORTERS, culpability="intentional"
    )
    rec = evaluate(f, snap)
    assert (rec.level, rec.target) == ("L2", "connection_account")
    assert "guard.hosting_never_connection" in rec.reasons


def test_hosting_suspends_content_before_the_whole_hosting_account():
    snap = one_rule(
        roles=["hosting"], target="hosting_account", ladder=[{"level": "L5", "approval": "manager"}]
    )
    rec = evaluate(hosted_site(reports=THREE_REPORTERS, culpability="intentional"), snap)
    assert rec.target == "hosting_content"


def test_a_joe_job_closes_at_l0_whatever_else_is_known(snapshot):
    f = mail_sending(joe_job=True, warned_before=True, reports=THREE_REPORTERS, culpability="intentional")
    rec = evaluate(f, snapshot)
    assert (rec.level, rec.target, rec.no_measure_reason) == ("L0", "none", "joe_job")
    assert rec.evidence_level == "E0"
    assert not rec.notice_required


def test_shared_ipv4_names_no_single_account(snapshot):
    f = static_connection(shared_ipv4=True, reports=THREE_REPORTERS, telemetry=("dnsbl_listed",))
    rec = evaluate(f, snapshot)
    assert (rec.level, rec.target, rec.no_measure_reason) == ("L0", "none", "cannot_identify_subscriber")
    assert rec.evidence_level == "E0"


def test_a_report_not_tied_to_our_records_names_no_account(snapshot):
    rec = evaluate(mail_sending(accounts_identified=0, reports=THREE_REPORTERS), snapshot)
    assert (rec.level, rec.target, rec.no_measure_reason) == ("L0", "none", "not_tied_to_our_records")


def test_receiving_or_not_ours_never_acts_on_our_customers():
    snap = one_rule(ladder=[{"level": "L3"}])
    for roles in (("receiving",), ("not_ours",)):
        rec = evaluate(facts(roles=roles, reports=THREE_REPORTERS), snap)
        assert (rec.level, rec.target, rec.no_measure_reason) == ("L0", "none", "not_our_customer")


def test_an_emergency_measure_is_reviewed_within_24_hours(snapshot):
    rec = evaluate(stolen_mail(), snapshot)
    assert rec.emergency_allowed and rec.review_within_hours == 24


def test_the_emergency_review_time_is_a_setting():
    snap = snapshot_build(
        version=3,
        rules=[{"key": "x", "target": "mail_account", "ladder": [{"level": "L3", "emergency": True}]}],
        emergency_review_hours=12,
    )
    assert evaluate(facts(), snap).review_within_hours == 12


FLAGS = [
    "warned_before",
    "stolen_credentials",
    "joe_job",
    "shared_ipv4",
    "ongoing",
    "phishing",
    "sub_allocated",
]


def _grid():
    builders = [mail_sending, static_connection, compromised_site, hosted_site]
    for builder, culp, priors, flag in itertools.product(
        builders,
        [None, "victim", "undetermined", "intentional"],
        [(), (prior("L4"), prior("L6"))],
        [None, *FLAGS],
    ):
        extra = {flag: True} if flag else {}
        yield builder(reports=THREE_REPORTERS, culpability=culp, prior_measures=priors, **extra)


@pytest.mark.parametrize("snap", [default_snapshot()], ids=["defaults"])
def test_every_recommendation_keeps_the_guards(snap):
    for f in _grid():
        rec = evaluate(f, snap)
        rank = LEVEL_RANK[rec.level]
        if rank >= LEVEL_RANK["L4"]:
            assert rec.legal_basis and rec.clauses and f.culpability is not None, f
            assert rec.evidence_level in ("E2", "E3", "E4"), f
            assert rec.approval in ("manager", "manager_legal"), f
        if rank >= LEVEL_RANK["L3"]:
            assert rec.review_within_hours, f
        if rec.level == "L7":
            assert rec.culpability == "intentional", f
        if f.joe_job or f.shared_ipv4:
            assert (rec.level, rec.target) == ("L0", "none"), f
        if "hosting" in f.roles and "sending" not in f.roles:
            assert rec.target != "connection_account" or rank < LEVEL_RANK["L4"], f
