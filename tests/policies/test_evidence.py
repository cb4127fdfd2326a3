"""Evidence levels E0–E4 and their reasons."""

from datetime import timedelta

from policies.evaluation import evaluate, evidence_level, max_distinct_reporters

from .factories import T0, default_snapshot, facts, mail_sending, reports


def level(f, n=3, w=7):
    return evidence_level(f, reporters_n=n, window_days=w)


def test_a_report_tied_to_no_account_is_e0():
    assert level(facts(accounts_identified=0)) == ("E0", ("evidence.subscribers_identified:0",))


def test_accounts_of_two_subscribers_are_an_ambiguity_and_stay_e0():
    f = facts(accounts_identified=2, subscribers_identified=2, reports=reports(0, 1, 2))
    assert level(f) == ("E0", ("evidence.subscribers_identified:2",))


def test_the_mail_and_connection_account_of_one_subscriber_are_one_party():
    f = facts(accounts_identified=2, subscribers_identified=1, reports=reports(0, 1, 2))
    assert level(f) == ("E2", ("evidence.one_subscriber", "evidence.reporters:3,3,7"))


def test_a_submission_in_our_mail_log_is_at_least_e1_even_from_another_subscribers_line():
    # A stolen password used from somebody else's connection: the mail account is still tied.
    f = facts(accounts_identified=2, subscribers_identified=2, mail_log_confirms=True)
    assert level(f) == ("E1", ("evidence.mail_log_confirms", "evidence.reporters:1,3,7"))
    assert level(facts(mail_log_confirms=True, reports=reports(0, 1, 2)))[0] == "E2"


def test_a_mail_log_entry_for_a_login_we_cannot_name_ties_nobody():
    f = facts(accounts_identified=0, subscribers_identified=0, mail_log_confirms=True)
    assert level(f)[0] == "E0"


def test_an_origin_only_stated_in_words_is_e0_whatever_else():
    f = facts(origin_stated_only=True, reports=reports(0, 1, 2), telemetry=("dnsbl_listed",))
    assert level(f) == ("E0", ("evidence.origin_stated_only",))


def test_shared_ipv4_is_e0_even_with_many_reporters_and_telemetry():
    f = facts(shared_ipv4=True, reports=reports(0, 1, 2), telemetry=("dnsbl_listed",))
    assert level(f) == ("E0", ("evidence.shared_ipv4",))


def test_one_account_and_one_report_is_e1():
    lvl, reasons = level(facts())
    assert lvl == "E1"
    assert reasons == ("evidence.one_subscriber", "evidence.reporters:1,3,7")


def test_three_reporters_within_seven_days_is_e2():
    assert level(facts(reports=reports(0, 2, 7)))[0] == "E2"


def test_the_third_reporter_on_day_eight_is_outside_the_window():
    assert level(facts(reports=reports(0, 2, 8)))[0] == "E1"


def test_the_window_slides_to_find_three_reporters_later_on():
    assert level(facts(reports=reports(0, 10, 12, 16)))[0] == "E2"


def test_one_reporter_complaining_three_times_is_one_reporter():
    f = facts(reports=reports(0, 1, 2, reporters=("same", "same", "same")))
    assert level(f) == ("E1", ("evidence.one_subscriber", "evidence.reporters:1,3,7"))


def test_the_rule_sets_n_and_w():
    lenient = default_snapshot(**{"1": {"reporters_n": 2, "window_days": 1}})
    assert evaluate(mail_sending(reports=reports(0, 0.5)), lenient).evidence_level == "E2"
    assert evaluate(mail_sending(reports=reports(0, 2)), lenient).evidence_level == "E1"


def test_telemetry_is_e3():
    lvl, reasons = level(facts(telemetry=("dnsbl_listed", "spam_trap")))
    assert lvl == "E3"
    assert "evidence.telemetry:dnsbl_listed,spam_trap" in reasons


def test_an_exploited_listing_is_telemetry_too():
    assert level(facts(dnsbl_exploited=True))[0] == "E3"


def test_going_on_after_a_warning_is_e4():
    lvl, reasons = level(facts(warned_before=True))
    assert lvl == "E4" and "evidence.went_on_after_warning" in reasons


def test_aggravating_facts_are_e4():
    lvl, reasons = level(facts(aggravating=("forged_sender", "made_up_recipients")))
    assert lvl == "E4" and "evidence.aggravating:forged_sender,made_up_recipients" in reasons


def test_aggravating_facts_add_their_clauses(snapshot):
    rec = evaluate(mail_sending(aggravating=("forged_sender",), culpability="intentional"), snapshot)
    assert rec.level == "L4"
    assert "C-03b" in rec.clauses


def test_max_distinct_reporters_counts_window_ends_inclusive():
    day = timedelta(days=1)
    events = [("a", T0), ("b", T0 + 3 * day), ("c", T0 + 7 * day)]
    assert max_distinct_reporters(events, 7 * day) == 3
    assert max_distinct_reporters(events, 6 * day) == 2
    assert max_distinct_reporters([], 7 * day) == 0
