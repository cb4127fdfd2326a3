"""Case facts built to match each default rule, and the default snapshot without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from policies.defaults import DEFAULT_RULES
from policies.snapshot import snapshot_build
from policies.types import CaseFacts, PriorMeasure

NOW = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=10)


def default_snapshot(version: int = 1, **overrides):
    """The default set; `overrides` maps a rule key to fields replaced in it."""
    rules = [{**rule, **overrides.get(rule["key"], {})} for rule in DEFAULT_RULES]
    return snapshot_build(version=version, rules=rules)


def reports(*days: float, reporters: tuple[str, ...] | None = None) -> tuple:
    """One report per day offset from T0, each from its own reporter unless given."""
    keys = reporters or tuple(f"reporter-{i}" for i in range(len(days)))
    return tuple((key, T0 + timedelta(days=d)) for key, d in zip(keys, days, strict=True))


ONE_REPORT = reports(0)
THREE_REPORTERS = reports(0, 1, 2)


def prior(level: str, *, months_ago: float = 2, intentional: bool = True) -> PriorMeasure:
    return PriorMeasure(
        level=level, intentional=intentional, decided_at=NOW - timedelta(days=30 * months_ago)
    )


def facts(defaults: dict | None = None, /, **kwargs) -> CaseFacts:
    """Facts tied to one account by one report; `kwargs` override the builder's defaults."""
    base = {"accounts_identified": 1, "reports": ONE_REPORT, "now": NOW, **(defaults or {})}
    return CaseFacts(**{**base, **kwargs})


def mail_sending(**kwargs) -> CaseFacts:  # rule 1
    return facts(
        {"roles": ("sending",), "sending_method": "contracted_isp_server", "account_kinds": ("mail",)},
        **kwargs,
    )


def stolen_mail(**kwargs) -> CaseFacts:  # rule 2
    return mail_sending(**{"stolen_credentials": True, **kwargs})


def static_connection(**kwargs) -> CaseFacts:  # rule 3
    defaults = {
        "roles": ("sending",),
        "sending_method": "self_operated_server",
        "account_kinds": ("connection",),
        "connection_type": "static",
    }
    return facts(defaults, **kwargs)


def dynamic_connection(**kwargs) -> CaseFacts:  # rule 4
    return static_connection(**{"connection_type": "dynamic", **kwargs})


def hijacked_connection(kind: str = "infected_pc", **kwargs) -> CaseFacts:  # rules 5 and 6
    defaults = {
        "roles": ("sending",),
        "sending_method": "hijacked_host",
        "hijack_kind": kind,
        "account_kinds": ("connection",),
        "connection_type": "dynamic",
    }
    return facts(defaults, **kwargs)


def compromised_site(**kwargs) -> CaseFacts:  # rule 7
    defaults = {
        "roles": ("sending",),
        "sending_method": "hijacked_host",
        "hijack_kind": "compromised_site",
        "account_kinds": ("hosting",),
    }
    return facts(defaults, **kwargs)


def relayed_mail(**kwargs) -> CaseFacts:  # rule 8
    return facts(
        {"roles": ("relay",), "sending_method": "other_isp_server", "account_kinds": ("mail",)}, **kwargs
    )


def other_isp_connection(**kwargs) -> CaseFacts:  # rule 9
    return facts(
        {"roles": ("sending",), "sending_method": "other_isp_server", "account_kinds": ("connection",)},
        **kwargs,
    )


def hosted_site(**kwargs) -> CaseFacts:  # rule 10
    return facts({"roles": ("hosting",), "account_kinds": ("hosting",)}, **kwargs)


def phishing_site(**kwargs) -> CaseFacts:  # rule 11
    return hosted_site(**{"hijack_kind": "compromised_site", "phishing": True, **kwargs})


def sub_allocated(**kwargs) -> CaseFacts:  # rule 12
    return facts({"roles": ("sending",), "sub_allocated": True, "accounts_identified": 0}, **kwargs)


def received(**kwargs) -> CaseFacts:  # rule 13
    return facts({"roles": ("receiving",), "accounts_identified": 0}, **kwargs)
