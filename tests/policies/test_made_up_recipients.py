"""Mail to made-up addresses (the criteria's thresholds over our mail log) and a host
customer shown to be the sender by its own domain's authentication."""

from policies.defaults import DEFAULT_RULES
from policies.evaluation import evaluate, made_up_recipients
from policies.snapshot import snapshot_build

from .factories import default_snapshot, hosted_site, mail_sending


def thresholds(percent: int, minimum: int):
    return snapshot_build(version=2, rules=DEFAULT_RULES, made_up_percent=percent, made_up_minimum=minimum)


def test_made_up_recipients_needs_both_the_share_and_the_minimum():
    snapshot = thresholds(30, 20)

    assert made_up_recipients(mail_sending(unknown_recipients=6, recipients_seen=20), snapshot)
    assert not made_up_recipients(mail_sending(unknown_recipients=5, recipients_seen=20), snapshot)  # 25 %
    assert not made_up_recipients(
        mail_sending(unknown_recipients=10, recipients_seen=19), snapshot
    )  # too few
    assert not made_up_recipients(mail_sending(), snapshot)


def test_made_up_recipients_is_aggravating_e4_and_cites_c03c():
    snapshot = thresholds(30, 20)

    rec = evaluate(mail_sending(unknown_recipients=15, recipients_seen=40), snapshot)

    assert rec.evidence_level == "E4"
    assert "evidence.aggravating:made_up_recipients" in rec.evidence_reasons
    assert "C-03c" in rec.clauses


def test_another_criteria_version_with_a_higher_threshold_does_not_count_it():
    rec = evaluate(
        mail_sending(unknown_recipients=15, recipients_seen=40),
        thresholds(50, 20),
    )
    assert rec.evidence_level != "E4"


def test_a_host_customer_authorised_by_its_own_domain_is_the_sender():
    shown = evaluate(hosted_site(sender_is_customer=True), default_snapshot())
    unknown = evaluate(hosted_site(), default_snapshot())

    assert (
        shown.culpability == "intentional" and "culpability.customer_is_sender" in shown.culpability_reasons
    )
    assert unknown.culpability != "intentional"
