"""Culpability: recorded by staff wins, victims by the facts, then the rule's default."""

from policies.evaluation import evaluate

from .factories import THREE_REPORTERS, facts, hijacked_connection, mail_sending, stolen_mail


def test_culpability_recorded_by_staff_wins_over_everything(snapshot):
    rec = evaluate(stolen_mail(culpability="intentional"), snapshot)
    assert (rec.culpability, rec.culpability_reasons) == ("intentional", ("culpability.recorded",))


def test_stolen_credentials_make_the_holder_a_victim(snapshot):
    rec = evaluate(stolen_mail(reports=THREE_REPORTERS), snapshot)
    assert (rec.culpability, rec.culpability_reasons) == ("victim", ("culpability.stolen_credentials",))


def test_a_hijacked_host_makes_the_holder_a_victim(snapshot):
    rec = evaluate(hijacked_connection("open_relay", reports=THREE_REPORTERS), snapshot)
    assert rec.culpability == "victim"


def test_probable_victim_is_a_victim(snapshot):
    assert (
        evaluate(mail_sending(probable_victim=True, reports=THREE_REPORTERS), snapshot).culpability
        == "victim"
    )


def test_undetermined_is_treated_as_a_victim(snapshot):
    rec = evaluate(mail_sending(), snapshot)
    assert rec.culpability == "undetermined"
    assert rec.culpability_reasons == ("culpability.undetermined_as_victim",)


def test_rule_1_becomes_intentional_at_e2(snapshot):
    rec = evaluate(mail_sending(reports=THREE_REPORTERS), snapshot)
    assert (rec.culpability, rec.culpability_reasons) == ("intentional", ("culpability.intentional_at:E2",))


def test_no_rule_leaves_it_undetermined(snapshot):
    rec = evaluate(facts(roles=("unknown",)), snapshot)
    assert (rec.rule, rec.level, rec.no_measure_reason) == (None, "L0", "no_rule_matches")
    assert rec.culpability == "undetermined"
