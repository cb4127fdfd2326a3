"""Sentences for the machine-readable reasons a Recommendation carries.

A reason is "namespace.code" optionally followed by ":arguments" (comma-separated);
"note:..." carries a rule's own note as written. Stored recommendations keep the
codes, so a sentence can be improved or translated later without rewriting them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

SENTENCES = {
    "evidence.joe_job": gettext_lazy("Only forged headers point at us (joe job)."),
    "evidence.shared_ipv4": gettext_lazy("Shared IPv4 (CGN) without a source port identifies nobody."),
    "evidence.accounts_identified": gettext_lazy("Our records name %(0)s accounts, not exactly one."),
    "evidence.one_account": gettext_lazy("Our records tie the report to exactly one account."),
    "evidence.one_subscriber": gettext_lazy("Our records tie the report to exactly one subscriber."),
    "evidence.subscribers_identified": gettext_lazy(
        "Our records name %(0)s subscribers, not exactly one: nobody can be held to it yet."
    ),
    "evidence.mail_log_confirms": gettext_lazy("Our own mail server's log confirms the submission."),
    "evidence.origin_stated_only": gettext_lazy(
        "The origin is only stated in a complaint's words; a person must confirm it before it counts."
    ),
    "evidence.no_report_names_the_account": gettext_lazy(
        "No report of the case names the account from a line we trust (another provider's own "
        "line naming our address is a lead to pass on, not evidence)."
    ),
    "evidence.reporters": gettext_lazy("%(0)s distinct reporters within %(2)s days (%(1)s needed for E2)."),
    "evidence.telemetry": gettext_lazy("Our own telemetry agrees: %(all)s."),
    "evidence.went_on_after_warning": gettext_lazy("It went on after a documented warning."),
    "evidence.aggravating": gettext_lazy("Aggravating facts: %(all)s."),
    "culpability.recorded": gettext_lazy("Culpability as recorded by staff."),
    "culpability.stolen_credentials": gettext_lazy("Stolen credentials: the holder is a victim."),
    "culpability.hijacked": gettext_lazy("Hijacked host (%(0)s): the holder is a victim."),
    "culpability.probable_victim": gettext_lazy("The facts point to a victim."),
    "culpability.customer_is_sender": gettext_lazy("The hosting customer is also the sender."),
    "culpability.intentional_at": gettext_lazy("The rule treats the case as intentional from %(0)s."),
    "culpability.rule_default": gettext_lazy("The rule's default culpability: %(0)s."),
    "culpability.undetermined_as_victim": gettext_lazy("Undetermined, treated as a victim."),
    "culpability.untested_relay": gettext_lazy(
        "The sending server seems to relay outsiders' mail (an open relay?): undetermined, treated as a "
        "victim until a person tests it and records the culpability."
    ),
    "culpability.new_network_login": gettext_lazy(
        "The login was used from a network outside ours that it had not used before (a stolen password, "
        "or a trip): undetermined, treated as a victim until a person checks and records the culpability."
    ),
    "culpability.joe_job": gettext_lazy("Our customer's name was forged: a victim."),
    "rule.none": gettext_lazy("No rule matches these facts."),
    "rule.matched": gettext_lazy("Rule %(0)s matches."),
    "rule.step": gettext_lazy("The rule's ladder reaches %(0)s."),
    "rule.repeat_offender": gettext_lazy(
        "Repeat offender (rule %(0)s): %(1)s intentional measures within %(2)s months."
    ),
    "guard.victim_never_l7": gettext_lazy("A victim case never advances to L7."),
    "guard.not_our_customer": gettext_lazy("No customer of ours is involved: acknowledge and forward."),
    "guard.not_tied_to_our_records": gettext_lazy("Not tied to our records: no measure may name an account."),
    "guard.hosting_content_first": gettext_lazy("Hosting: act on the specific content first."),
    "guard.hosting_never_connection": gettext_lazy(
        "Cutting a whole connection to stop a web site is never the default."
    ),
    "guard.capped_at_l3": gettext_lazy("Capped at L3; L4 and above need: %(all)s."),
    "guard.manager_approval": gettext_lazy("L4 and above need a manager's approval."),
    "guard.joe_job": gettext_lazy("A joe job closes at L0."),
    "guard.cannot_identify_subscriber": gettext_lazy("Cannot identify the subscriber."),
}

NO_MEASURE = {
    "joe_job": gettext_lazy("Joe job: only forged headers point at us."),
    "cannot_identify_subscriber": gettext_lazy("Cannot identify the subscriber (shared IPv4)."),
    "no_rule_matches": gettext_lazy("No rule matches these facts."),
    "evidence_too_weak": gettext_lazy("The evidence does not reach the rule's first step."),
    "not_our_customer": gettext_lazy("No customer of ours is involved."),
    "not_tied_to_our_records": gettext_lazy("The report is not tied to our records."),
}


def _argument_labels() -> dict:
    """Codes that reasons carry as arguments, as words (the choices' labels where they exist)."""
    from .choices import Culpability, HijackKind

    return {
        **dict(HijackKind.choices),
        **dict(Culpability.choices),
        "host": gettext_lazy("Hijacked host"),
        # Telemetry and aggravating facts (policies.types.CaseFacts).
        "dnsbl_exploited": gettext_lazy("a DNS blocklist lists the address as exploited"),
        "dnsbl_listed": gettext_lazy("a DNS blocklist lists the address"),
        "submission_volume": gettext_lazy("our submission volume"),
        "spam_trap": gettext_lazy("spam-trap hits"),
        "unknown_recipients": gettext_lazy("many unknown recipients"),
        "feedback_loop": gettext_lazy("feedback-loop reports"),
        "forged_sender": gettext_lazy("forged sender information"),
        "made_up_recipients": gettext_lazy("mail to made-up addresses"),
        "identity_fraud": gettext_lazy("identity fraud at sign-up"),
        # What the L4+ guard found missing (policies.guards).
        "legal_basis": gettext_lazy("a legal basis"),
        "clause": gettext_lazy("a contract clause"),
        "evidence_e2": gettext_lazy("evidence E2 or higher"),
        "recorded_culpability": gettext_lazy("a recorded culpability"),
    }


def reason_text(reason: str) -> str:
    code, _sep, rest = reason.partition(":")
    if code == "note":
        return rest
    template = SENTENCES.get(code)
    if template is None:
        return reason
    words = _argument_labels()
    args = [str(words.get(arg, arg)) for arg in rest.split(",")] if rest else []
    values = {str(i): arg for i, arg in enumerate(args)} | {"all": ", ".join(args)}
    try:
        return str(template) % values
    except (KeyError, ValueError):
        return reason


def no_measure_text(key: str | None) -> str:
    if not key:
        return ""
    return str(NO_MEASURE.get(key, key))
