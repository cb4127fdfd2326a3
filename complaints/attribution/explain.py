"""An attribution as people read it: where the origin came from, what shows a
compromise and what is only a signal, and every step as a sentence.

One function feeds the case and report pages, the API and the dossier, so the three
say the same thing in the reader's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .steps import step_sentence, step_weight

ORIGIN_BASES = {
    "field": _("given in a field of the report"),
    "walked": _("found by walking the trusted Received headers"),
    "stated": _("stated in words by the complainant"),
    "none": _("not established"),
}
MESSAGE_KINDS = {
    "spam": _("the spam itself"),
    "machine_report": _("a machine report (ARF, X-ARF, XARF, SpamCop, feedback loop)"),
    "complaint": _("a person's complaint"),
}
COMPROMISE = {
    "exploited_listing": _("listed as exploited while the customer held the address"),
    "helo_random": _("greeting of random letters"),
    "helo_foreign_literal": _("greeting with another machine's address"),
    "helo_claims_receiver": _("greeting that claims to be the receiving side"),
    "helo_claims_provider": _("greeting that claims to be a large mail provider"),
    "open_relay": _("open relay: mail taken from outside for a foreign recipient"),
    "reporter_burst": _("many reporters within minutes"),
    "customer_confirmed": _("the customer's own confirmation"),
    "stolen_credentials": _("one login from many addresses within minutes"),
    "reported_infected": _("a report of malware acting from the address"),
}
SIGNALS = {
    "origin_stated": _("origin stated in words, not shown by a header"),
    "field_disagrees_with_copy": _(
        "the report's source field and its copy of the message name different origins"
    ),
    "client_line_of_another_customer": _("sent from the line of another customer than the mail account's"),
    "impersonated_site": _("a site we host, linked by a phishing mail that pretends to be it"),
    "no_received_header": _("no Received header from the origin"),
    "helo_missing": _("no greeting recorded"),
    "helo_own_literal": _("greeting with its own address"),
    "helo_internal_literal": _("greeting with a private address"),
    "helo_malformed": _("greeting that is not a host name"),
    "helo_bare_name": _("a machine's plain name as greeting"),
    "helo_host_name": _("a host name as greeting"),
    "relayed_for_outsider": _("relayed mail from an outside address (an open relay, a forwarder or a list)"),
    "exploited_listing_elsewhen": _("listed as exploited at another time or for another holder"),
    # What the parser notices about the reported message.
    "auth_marker_without_login": _("an authentication marker without a login name"),
    "login_below_origin": _("a login named only in a line below the origin, which anyone can write"),
    "complainant_named_address": _("an address the complainant named in words"),
    "helo_differs_from_rdns": _("greeting that differs from the reverse DNS name"),
    "helo_ip_literal": _("an address as greeting"),
    "helo_plain_hostname": _("a name without a domain as greeting"),
    "named_source_differs": _("an address named in words that differs from the origin"),
    "non_routable_source": _("a non-routable address given as the source"),
    "rdns_missing": _("no reverse DNS name recorded for the origin"),
    "spamvertised_site_address": _("the address SpamCop found the advertised site at"),
    "redirected_by": _("redirected (Resent-*) by"),
    "walk_ended_non_routable": _("the Received chain ends at a non-routable address"),
    "x_originating_ip": _("a client address in X-Originating-IP"),
}


def explain(attribution: dict | None) -> dict:
    """Plain data for a template or an API answer, sentences in the active language."""
    a = attribution or {}
    origin = a.get("origin") or None
    return {
        "origin": _origin(origin) if origin else None,
        "origin_bases": [
            {"basis": basis, "label": str(ORIGIN_BASES.get(basis, basis)), "reports": count}
            for basis, count in sorted((a.get("origin_bases") or {}).items())
        ],
        "message_kind": _kind(a.get("message_kind")),
        "message_kinds": [
            {**_kind(kind), "reports": count}
            for kind, count in sorted((a.get("message_kinds") or {}).items())
        ],
        "compromise": [_entry(e, COMPROMISE) for e in a.get("compromise") or []],
        "signals": [_entry(e, SIGNALS) for e in a.get("signals") or []],
        "steps": [
            {"code": s.get("code", ""), "weight": step_weight(s), "text": step_sentence(s)}
            for s in a.get("steps") or []
        ],
    }


def _origin(origin: dict) -> dict:
    basis = origin.get("basis") or "none"
    return {
        "ip": origin.get("ip"),
        "basis": basis,
        "label": str(ORIGIN_BASES.get(basis, basis)),
        "confirmed": bool(origin.get("confirmed")),
    }


def _kind(kind: str | None) -> dict:
    return {"kind": kind, "label": str(MESSAGE_KINDS.get(kind, kind))} if kind else {}


def _entry(entry: dict, labels: dict) -> dict:
    key = str(entry.get("key", ""))
    label = labels.get(key)
    return {
        "key": key,
        "value": entry.get("value", ""),
        "label": str(label) if label is not None else key.replace("_", " "),
    }
