"""Derived facts as people read them: each step a sentence in the reader's language.

Like the attribution steps (complaints.attribution.steps): a step is stored as
{"code", params, "evidence", "reports", "count"}; each code lists sentences from the
most to the least complete, and the first whose values are all present is used, so
a sentence never has a hole. Result codes (pass, fail, softfail…) are shown as words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from complaints.attribution.steps import local_time

FACT_KEYS = ("joe_job", "shared_ipv4", "aggravating", "telemetry", "sender_authentication")

RESULTS = {
    "pass": _("pass"),
    "fail": _("fail"),
    "softfail": _("soft fail"),
    "neutral": _("neutral"),
    "none": _("no policy"),
    "permerror": _("permanent error"),
    "temperror": _("temporary error"),
    "body_modified": _("body changed since signing"),
    "not_checked": _("not checked (the body is not the one sent)"),
    "policy": _("policy"),
}
IDENTITIES = {"mail_from": _("envelope sender"), "from": _("From: domain")}
NAMED_IN = {"from": _("From:"), "envelope": _("envelope sender"), "url": _("advertised URL")}
HOW = {
    "spf": "SPF",
    "dkim": "DKIM",
    "stated": _("the receiver's stated result"),
    "natlog": _("our NAT port-block log"),
    "map_e": _("the MAP-E rule and our session log"),
}
BY = {"login": _("login"), "client": _("client address")}
METHODS = {"spf": "SPF", "dkim": "DKIM", "dmarc": "DMARC", "auth": _("SMTP AUTH")}

SENTENCES: dict[str, tuple[tuple[tuple[str, ...], object], ...]] = {
    # Joe job and denial.
    "customer_domain_named": (
        (
            ("domain", "subscriber", "named_in"),
            _("The spam names {domain}, a domain of our customer {subscriber} ({named_in})."),
        ),
    ),
    "customer_is_origin": (
        (("subscriber", "ip"), _("The origin {ip} is {subscriber}'s own: the customer sent it.")),
    ),
    "customer_authorised": (
        (
            ("domain", "how", "ip"),
            _("{domain} authorises the origin {ip} ({how} pass): the customer's own mail system sent it."),
        ),
        (
            ("domain", "how"),
            _("{domain} authorises the origin ({how} pass): the customer's own mail system sent it."),
        ),
    ),
    "customer_not_authorised": (
        (
            ("domain", "ip", "spf", "dmarc"),
            _(
                "The origin {ip} is not the customer's, and {domain}'s own policy does not allow it to send "
                "for the domain (SPF {spf}, DMARC {dmarc}): the sender forged the customer's name."
            ),
        ),
    ),
    "customer_undetermined": (
        (
            ("domain",),
            _(
                "Nothing shows whether {domain} allowed the origin to send for it (no SPF or DMARC policy "
                "says so): no conclusion is drawn."
            ),
        ),
    ),
    "customer_not_checked": (
        (("domain",), _("The sender authentication of {domain} has not been evaluated yet.")),
    ),
    "customer_named_in_url_only": (
        (
            ("domain",),
            _(
                "{domain} appears only in an advertised URL: that shows nothing of who sent the mail, "
                "so it is no joe job by itself."
            ),
        ),
    ),
    "joe_job_closes": (
        (
            ("subscribers",),
            _(
                "Possible joe job: only forged sender information points at {subscribers}, who is not blamed "
                "for sending. The case closes at L0."
            ),
        ),
    ),
    "joe_job_other_sender": (
        (
            ("subscribers", "others"),
            _(
                "{subscribers}'s name was forged and is not blamed; the mail was sent through {others}, "
                "which the case is about."
            ),
        ),
    ),
    "denial_does_not_clear": (
        (
            ("subscriber",),
            _(
                "{subscriber} denies having sent it, but the origin is the customer's or authorised by its "
                "domain: the denial does not clear it."
            ),
        ),
    ),
    "denial_matches_evidence": (
        (("subscriber",), _("{subscriber} denies having sent it, and the evidence agrees.")),
    ),
    "denial_recorded": (
        (
            ("subscriber",),
            _("{subscriber} denies having sent it; the evidence neither confirms nor refutes it."),
        ),
    ),
    # Shared IPv4.
    "shared_address_no_port": (
        (
            ("ip",),
            _(
                "Shared address: cannot identify the subscriber. "
                "{ip} is shared and the report gives no source port."
            ),
        ),
    ),
    "shared_address_port_unknown": (
        (
            ("ip", "port"),
            _(
                "Shared address: cannot identify the subscriber. "
                "No record of ours says who used port {port} of {ip} then."
            ),
        ),
    ),
    "shared_address_identified": (
        (
            ("ip", "port", "account", "how"),
            _("{ip} is a shared address; port {port} identifies {account} ({how})."),
        ),
        (("ip", "port", "account"), _("{ip} is a shared address; port {port} identifies {account}.")),
        (("ip", "port"), _("{ip} is a shared address; port {port} identifies the subscriber.")),
    ),
    # Aggravation.
    "forged_sender": (
        (
            ("domain", "ip", "spf", "dmarc"),
            _(
                "Forged sender information: {domain} is not the sender's own and does not allow {ip} "
                "to send for it (SPF {spf}, DMARC {dmarc})."
            ),
        ),
    ),
    "made_up_recipients": (
        (
            ("unknown", "total", "version"),
            _(
                "Mail to made-up addresses: {unknown} of {total} recipients did not exist, over the "
                "threshold of criteria version {version}."
            ),
        ),
        (
            ("unknown", "total"),
            _("Mail to made-up addresses: {unknown} of {total} recipients did not exist."),
        ),
    ),
    "warned_before": (
        (
            ("level", "at", "sanction"),
            _("A measure at {level} was taken on {at} (measure {sanction}): it went on after that warning."),
        ),
    ),
    # Telemetry.
    "dnsbl_listed": ((("zone", "ip"), _("{zone} lists {ip}.")),),
    "spam_trap": (
        (("hits",), _("{hits} report(s) come from spam traps: addresses that never asked for mail.")),
    ),
    "unknown_recipients": (
        (
            ("unknown", "total", "by", "key"),
            _("Our mail log: {unknown} of {total} recipients of mail from {by} {key} did not exist."),
        ),
    ),
    "own_mail_volume": (
        (
            ("login", "hour", "messages", "recipients", "domains", "unknown", "new_networks", "addresses"),
            _(
                "Our mail log: login {login} in the hour from {hour} submitted {messages} message(s) to "
                "{recipients} recipient(s) in {domains} domain(s), {unknown} of them unknown, from "
                "{addresses} address(es) in {new_networks} network(s) new to it; over the limits: {crossed}."
            ),
        ),
    ),
    # Sender authentication.
    "spf": (
        (("identity", "domain", "result", "ip"), _("SPF for the {identity} {domain} from {ip}: {result}.")),
        (("identity", "domain", "result"), _("SPF for the {identity} {domain}: {result}.")),
    ),
    "dkim": (
        (("domain", "selector", "result"), _("DKIM signature of {domain} (selector {selector}): {result}.")),
        (("domain", "result"), _("DKIM signature of {domain}: {result}.")),
    ),
    "dmarc": (
        (("domain", "result", "policy"), _("DMARC for {domain}: {result} (the domain asks for p={policy}).")),
        (("domain", "result"), _("DMARC for {domain}: {result}.")),
    ),
    "stated": (
        (
            ("authserv", "method", "result"),
            _("The receiver {authserv} stated {method} {result} (its own words, not our check)."),
        ),
    ),
}

UNKNOWN = _("A fact of a kind this version does not know ({code}).")
INCOMPLETE = _("A fact ({code}) whose details were not recorded.")

# What each fact's value is called, for lists of codes ("forged_sender", …).
VALUE_LABELS = {
    "forged_sender": _("forged sender information"),
    "made_up_recipients": _("mail to made-up addresses"),
    "went_on_after_warning": _("went on after a documented warning"),
    "identity_fraud": _("identity fraud at sign-up"),
    "dnsbl_listed": _("listed on a DNS blocklist"),
    "spam_trap": _("spam-trap hits"),
    "submission_volume": _("our submission volume"),
    "unknown_recipient_share": _("share of unknown recipients on our mail server"),
    "new_networks": _("logins from networks new to the account"),
    "many_client_addresses": _("logins from many addresses"),
}


def _shown(name: str, value) -> str:
    if name in ("at", "hour"):
        return local_time(value)
    if name in ("result", "spf", "dmarc"):
        return str(RESULTS.get(value, value))
    if name == "identity":
        return str(IDENTITIES.get(value, value))
    if name == "named_in":
        return ", ".join(str(NAMED_IN.get(v, v)) for v in str(value).split(","))
    if name == "how":
        return str(HOW.get(value, value))
    if name == "by":
        return str(BY.get(value, value))
    if name == "crossed":
        return ", ".join(str(VALUE_LABELS.get(v.strip(), v.strip())) for v in str(value).split(","))
    if name == "method":
        return str(METHODS.get(value, value))
    return str(value)


_REFS = ("code", "evidence", "reports", "count", "confirmations", "maillog")


def fact_sentence(step: dict) -> str:
    code = step.get("code") or ""
    params = {k: _shown(k, v) for k, v in step.items() if k not in _REFS and v not in (None, "", [])}
    for needs, template in SENTENCES.get(code, ()):
        if all(name in params for name in needs):
            return str(template).format_map(params)
    return str(INCOMPLETE if code in SENTENCES else UNKNOWN).format(code=code or "—")


def explain_facts(facts: dict | None) -> dict:
    """Each of the five facts with its value and its steps as sentences; missing ones empty."""
    from .derive import empty_facts

    stored = facts or {}
    out = {}
    for key, empty in empty_facts().items():
        fact = {**empty, **(stored.get(key) or {})}
        fact["steps"] = [
            {
                "code": step.get("code", ""),
                "text": fact_sentence(step),
                "evidence": list(step.get("evidence") or []),
                "reports": list(step.get("reports") or []),
                "count": int(step.get("count") or 0),
            }
            for step in fact.get("steps") or []
        ]
        if isinstance(fact.get("value"), list):
            fact["labels"] = [str(VALUE_LABELS.get(v, v)) for v in fact["value"]]
        out[key] = fact
    return out


def evidence_answer_text(record) -> str:
    """An evidence row's answer for people: DNS records as returned; our sender
    authentication result as its checks, in words."""
    answer = record.answer or []
    if record.kind == "mail_volume" and answer and isinstance(answer[0], dict):
        figures = answer[0]
        return fact_sentence(
            {**figures, "code": "own_mail_volume", "crossed": ", ".join(figures.get("crossed") or [])}
        )
    if record.kind != "sender_auth":
        return ", ".join(str(a) for a in answer)
    parts = []
    for c in answer:
        if not isinstance(c, dict):
            continue
        step = {**c, "code": c.get("check"), "authserv": c.get("authserv_id")}
        step.pop("check", None)
        parts.append(fact_sentence(step))
    return " ".join(parts)
