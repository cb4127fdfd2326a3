"""Each default rule of POLICY.md on case facts built to match it."""

from policies.evaluation import evaluate

from .factories import (
    THREE_REPORTERS,
    compromised_site,
    dynamic_connection,
    hijacked_connection,
    hosted_site,
    mail_sending,
    other_isp_connection,
    phishing_site,
    prior,
    received,
    relayed_mail,
    reports,
    static_connection,
    stolen_mail,
    sub_allocated,
)


class TestRule1ContractedServerMailAccount:
    def test_one_report_warns_the_mail_account(self, snapshot):
        rec = evaluate(mail_sending(), snapshot)
        assert (rec.rule, rec.level, rec.also, rec.target) == ("1", "L2", (), "mail_account")
        assert rec.evidence_level == "E1"
        assert rec.approval == "staff"
        assert rec.clauses == ("C-03a", "C-19")
        assert rec.culpability == "undetermined"
        assert "culpability.undetermined_as_victim" in rec.culpability_reasons

    def test_three_reporters_restrict_with_a_warning_and_make_it_intentional(self, snapshot):
        rec = evaluate(mail_sending(reports=THREE_REPORTERS), snapshot)
        assert (rec.level, rec.also, rec.evidence_level) == ("L3", ("L2",), "E2")
        assert rec.clauses == ("C-03a", "C-07")
        assert rec.culpability == "intentional"
        assert rec.review_within_hours == 168

    def test_telemetry_counts_like_many_reporters(self, snapshot):
        rec = evaluate(mail_sending(telemetry=("submission_volume",)), snapshot)
        assert (rec.level, rec.also, rec.evidence_level) == ("L3", ("L2",), "E3")

    def test_going_on_after_a_warning_stops_outbound_mail_with_a_manager(self, snapshot):
        rec = evaluate(mail_sending(warned_before=True, culpability="intentional"), snapshot)
        assert (rec.level, rec.evidence_level, rec.target) == ("L4", "E4", "mail_account")
        assert rec.approval == "manager"
        assert rec.clauses == ("C-03a", "C-08")
        assert rec.legal_basis == ("legitimate_business_act", "jp_sem_art11")
        assert rec.hearing_required and rec.notice_required

    def test_unresolved_after_l4_is_a_termination_candidate_for_manager_and_legal(self, snapshot):
        rec = evaluate(
            mail_sending(reports=THREE_REPORTERS, culpability="intentional", prior_measures=(prior("L4"),)),
            snapshot,
        )
        assert (rec.rule, rec.level) == ("1", "L7")
        assert rec.approval == "manager_legal"
        assert rec.clauses == ("C-03a", "C-10", "C-11")
        assert rec.legal_basis == ("contract", "jp_civil_541_542")


class TestRule2StolenCredentials:
    def test_blocks_sending_at_once_and_advises_the_victim(self, snapshot):
        rec = evaluate(stolen_mail(), snapshot)
        assert (rec.rule, rec.level, rec.also, rec.target) == ("2", "L3", ("L1",), "mail_account")
        assert rec.culpability == "victim"
        assert rec.evidence_level == "E1"
        assert rec.approval == "staff"
        assert rec.emergency_allowed
        assert rec.review_within_hours == 24
        assert rec.clauses == ("C-05", "C-07", "C-09")

    def test_also_wins_over_the_relay_rule(self, snapshot):
        rec = evaluate(relayed_mail(stolen_credentials=True), snapshot)
        assert rec.rule == "2"


class TestRule3SelfOperatedStaticConnection:
    def test_one_report_warns(self, snapshot):
        rec = evaluate(static_connection(), snapshot)
        assert (rec.rule, rec.level, rec.target, rec.evidence_level) == (
            "3",
            "L2",
            "connection_account",
            "E1",
        )

    def test_e2_withdraws_the_port_25_exemption(self, snapshot):
        rec = evaluate(static_connection(reports=THREE_REPORTERS), snapshot)
        assert (rec.level, rec.approval) == ("L3", "staff")
        assert rec.clauses == ("C-03a", "C-07")
        assert "note:Withdraw the port-25 exemption." in rec.reasons

    def test_continued_after_l3_suspends_the_connection_with_a_manager(self, snapshot):
        rec = evaluate(
            static_connection(
                reports=THREE_REPORTERS, culpability="intentional", prior_measures=(prior("L3"),)
            ),
            snapshot,
        )
        assert (rec.level, rec.target, rec.approval) == ("L6", "connection_account", "manager")
        assert "C-08" in rec.clauses

    def test_not_cured_after_l6_is_a_termination_candidate(self, snapshot):
        rec = evaluate(
            static_connection(
                reports=THREE_REPORTERS, culpability="intentional", prior_measures=(prior("L6"),)
            ),
            snapshot,
        )
        assert (rec.level, rec.approval) == ("L7", "manager_legal")


class TestRule4SelfOperatedDynamicConnection:
    def test_one_report_is_forwarded_to_the_relaying_network(self, snapshot):
        rec = evaluate(dynamic_connection(), snapshot)
        assert (rec.rule, rec.level, rec.target, rec.forward_to) == ("4", "L0", "forward", "relaying_network")

    def test_e2_warns(self, snapshot):
        rec = evaluate(dynamic_connection(reports=THREE_REPORTERS), snapshot)
        assert (rec.level, rec.target, rec.evidence_level) == ("L2", "connection_account", "E2")

    def test_connection_suspension_only_on_e4_with_a_manager(self, snapshot):
        rec = evaluate(dynamic_connection(warned_before=True, culpability="intentional"), snapshot)
        assert (rec.level, rec.approval, rec.evidence_level) == ("L6", "manager", "E4")


class TestRule5HijackedHost:
    def test_advises_the_victim(self, snapshot):
        rec = evaluate(hijacked_connection("infected_pc"), snapshot)
        assert (rec.rule, rec.level, rec.target, rec.culpability) == (
            "5",
            "L1",
            "connection_account",
            "victim",
        )
        assert "culpability.hijacked:infected_pc" in rec.culpability_reasons

    def test_an_ongoing_flood_seen_by_telemetry_allows_an_emergency_restriction(self, snapshot):
        rec = evaluate(hijacked_connection("open_proxy", telemetry=("spam_trap",), ongoing=True), snapshot)
        assert (rec.level, rec.evidence_level, rec.approval) == ("L3", "E3", "staff")
        assert rec.emergency_allowed and rec.review_within_hours == 24

    def test_telemetry_without_an_ongoing_flood_stays_advisory(self, snapshot):
        rec = evaluate(hijacked_connection("open_relay", telemetry=("dnsbl_listed",)), snapshot)
        assert rec.level == "L1"


class TestRule6WirelessLan:
    def test_advises_hardening(self, snapshot):
        rec = evaluate(hijacked_connection("wireless_lan"), snapshot)
        assert (rec.rule, rec.level, rec.approval, rec.culpability) == ("6", "L1", "staff", "victim")

    def test_repeat_restricts_until_fixed(self, snapshot):
        rec = evaluate(hijacked_connection("wireless_lan", prior_measures=(prior("L1"),)), snapshot)
        assert (rec.level, rec.approval, rec.target) == ("L3", "staff", "connection_account")


class TestRule7CompromisedSiteSending:
    def test_disables_the_script_and_advises(self, snapshot):
        rec = evaluate(compromised_site(), snapshot)
        assert (rec.rule, rec.level, rec.also, rec.target) == ("7", "L3", ("L1",), "hosting_content")
        assert rec.culpability == "victim"
        assert rec.clauses == ("C-05", "C-12", "C-07")

    def test_not_fixed_disables_the_content_with_a_manager(self, snapshot):
        rec = evaluate(
            compromised_site(reports=THREE_REPORTERS, culpability="victim", prior_measures=(prior("L3"),)),
            snapshot,
        )
        assert (rec.level, rec.target, rec.approval) == ("L5", "hosting_content", "manager")


class TestRule8OtherIspServerMailRelay:
    def test_acts_on_the_mail_account_and_notifies_the_connecting_network(self, snapshot):
        rec = evaluate(relayed_mail(), snapshot)
        assert (rec.rule, rec.level, rec.target, rec.forward_to) == (
            "8",
            "L2",
            "mail_account",
            "origin_network",
        )

    def test_follows_rule_1_at_e2(self, snapshot):
        rec = evaluate(relayed_mail(reports=THREE_REPORTERS), snapshot)
        assert (rec.level, rec.also, rec.culpability) == ("L3", ("L2",), "intentional")


class TestRule9OtherIspServerConnection:
    def test_forwards_to_the_relaying_isp(self, snapshot):
        rec = evaluate(other_isp_connection(reports=THREE_REPORTERS), snapshot)
        assert (rec.rule, rec.level, rec.target, rec.forward_to) == ("9", "L0", "forward", "relaying_network")

    def test_warns_only_on_e2_from_our_own_logs(self, snapshot):
        rec = evaluate(other_isp_connection(reports=THREE_REPORTERS, own_log_confirms=True), snapshot)
        assert (rec.level, rec.target, rec.approval) == ("L2", "connection_account", "staff")


class TestRule10HostedSite:
    def test_asks_to_stop_the_promotion(self, snapshot):
        rec = evaluate(hosted_site(), snapshot)
        assert (rec.rule, rec.level, rec.target) == ("10", "L2", "hosting_content")
        assert rec.clauses == ("C-03e", "C-12")
        assert rec.legal_basis == ("contract", "jp_sct_art11_12")

    def test_continued_disables_the_site_with_a_manager(self, snapshot):
        rec = evaluate(
            hosted_site(reports=THREE_REPORTERS, culpability="undetermined", prior_measures=(prior("L2"),)),
            snapshot,
        )
        assert (rec.level, rec.target, rec.approval) == ("L5", "hosting_content", "manager")

    def test_the_host_customer_sending_is_intentional(self, snapshot):
        rec = evaluate(
            hosted_site(roles=("sending", "hosting"), sending_method="self_operated_server"), snapshot
        )
        assert (rec.rule, rec.culpability) == ("10", "intentional")
        assert "culpability.customer_is_sender" in rec.culpability_reasons

    def test_termination_only_for_intentional_repeat(self, snapshot):
        intentional = hosted_site(
            reports=THREE_REPORTERS, culpability="intentional", prior_measures=(prior("L5"),)
        )
        assert evaluate(intentional, snapshot).level == "L7"
        victim = hosted_site(reports=THREE_REPORTERS, culpability="victim", prior_measures=(prior("L5"),))
        assert evaluate(victim, snapshot).level == "L5"


class TestRule11PhishingOnACompromisedSite:
    def test_disables_the_path_and_advises_with_review(self, snapshot):
        rec = evaluate(phishing_site(reports=THREE_REPORTERS, culpability="victim"), snapshot)
        assert (rec.rule, rec.level, rec.also, rec.target) == ("11", "L5", ("L1",), "hosting_content")
        assert rec.emergency_allowed and rec.review_within_hours == 24
        # Staff act on it, but L5 is a manager's decision whatever the rule says.
        assert rec.approval == "manager"

    def test_a_single_report_is_held_at_l3_by_the_guard(self, snapshot):
        rec = evaluate(phishing_site(), snapshot)
        assert (rec.level, rec.also) == ("L3", ("L1",))


class TestRule12SubAllocatedBlock:
    def test_forwards_to_the_block_holder(self, snapshot):
        rec = evaluate(sub_allocated(), snapshot)
        assert (rec.rule, rec.level, rec.target, rec.forward_to) == ("12", "L0", "forward", "holder")
        assert rec.clauses == ("C-14",)
        assert rec.evidence_level == "E0"

    def test_escalates_under_the_resale_clause_with_a_manager(self, snapshot):
        rec = evaluate(sub_allocated(warned_before=True), snapshot)
        assert (rec.level, rec.approval, rec.clauses) == ("L2", "manager", ("C-14",))

    def test_a_transit_customer_is_handled_the_same(self, snapshot):
        rec = evaluate(sub_allocated(roles=("upstream",), sub_allocated=False), snapshot)
        assert (rec.rule, rec.forward_to) == ("12", "holder")


class TestRule13Receiving:
    def test_acknowledges_and_forwards_with_consent(self, snapshot):
        rec = evaluate(received(reports=reports(0, 1, 2)), snapshot)
        assert (rec.rule, rec.level, rec.target, rec.forward_to) == ("13", "L0", "forward", "origin_network")
        assert rec.no_measure_reason == "not_our_customer"
        assert rec.clauses == ("C-16", "C-15")
        assert "consent" in rec.legal_basis
        assert not rec.notice_required


class TestRule14RepeatOffender:
    def test_two_intentional_l4_cases_within_12_months_make_a_termination_candidate(self, snapshot):
        rec = evaluate(
            mail_sending(
                reports=THREE_REPORTERS,
                culpability="intentional",
                prior_measures=(prior("L4", months_ago=3), prior("L5", months_ago=11)),
            ),
            snapshot,
        )
        assert (rec.rule, rec.level, rec.approval) == ("14", "L7", "manager_legal")
        assert {"C-10", "C-11"} <= set(rec.clauses)
        assert "rule.matched:1" in rec.reasons
        assert "rule.repeat_offender:14,2,12" in rec.reasons

    def test_a_measure_older_than_the_window_does_not_count(self, snapshot):
        rec = evaluate(
            static_connection(
                reports=THREE_REPORTERS,
                culpability="intentional",
                prior_measures=(prior("L4", months_ago=3), prior("L4", months_ago=13)),
            ),
            snapshot,
        )
        assert rec.rule == "3" and rec.level != "L7"

    def test_measures_taken_on_a_victim_do_not_count(self, snapshot):
        rec = evaluate(
            static_connection(
                reports=THREE_REPORTERS,
                culpability="intentional",
                prior_measures=(prior("L4", intentional=False), prior("L4", intentional=False)),
            ),
            snapshot,
        )
        assert rec.rule == "3"
