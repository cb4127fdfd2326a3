"""Criteria as plain, frozen data: what `evaluate` reads, and how rule data is checked.

A Rule row, an entry of `policies.defaults.DEFAULT_RULES` and the edit form all
speak the same dict shape (the Rule model's field names); `rule_spec()` turns one
into a RuleSpec or raises RuleDataError naming the field. Nothing here touches
the database, so the evaluation stays a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .choices import (
    RULE_ROLES,
    AccountKind,
    Approval,
    ConnectionType,
    Culpability,
    EvidenceLevel,
    ForwardTo,
    HijackKind,
    LegalBasis,
    Level,
    MatchFlag,
    RuleKind,
    SendingMethod,
    Target,
)

DEFAULT_REPORTERS = 3
DEFAULT_WINDOW_DAYS = 7
DEFAULT_REPEAT_COUNT = 2
DEFAULT_REPEAT_MONTHS = 12
DEFAULT_REVIEW_HOURS = 168
DEFAULT_EMERGENCY_REVIEW_HOURS = 24
# Mail to made-up addresses (POLICY.md E4): at least this share of the recipients of a
# customer's mail did not exist, over at least this many recipients.
DEFAULT_MADE_UP_PERCENT = 30
DEFAULT_MADE_UP_MINIMUM = 20
# Volume limits on our own mail servers (own telemetry, POLICY.md E3): per login and
# clock hour, from the imported mail log. A login crossing any of them opens a case.
DEFAULT_VOLUME_MESSAGES = 200  # submissions
DEFAULT_VOLUME_RECIPIENTS = 500  # recipient entries
DEFAULT_VOLUME_DOMAINS = 100  # distinct recipient domains
DEFAULT_VOLUME_UNKNOWN_PERCENT = 30  # share of recipients that did not exist ...
DEFAULT_VOLUME_UNKNOWN_MINIMUM = 50  # ... counted over at least this many recipients
DEFAULT_VOLUME_NEW_NETWORKS = 3  # client /24 (IPv4) or /48 (IPv6) networks not seen in 30 days
DEFAULT_VOLUME_ADDRESSES = 10  # distinct client addresses
VOLUME_FIELDS = (
    "volume_messages",
    "volume_recipients",
    "volume_domains",
    "volume_unknown_percent",
    "volume_unknown_minimum",
    "volume_new_networks",
    "volume_addresses",
)

LEVEL_RANK = {value: rank for rank, value in enumerate(Level.values)}
EVIDENCE_RANK = {value: rank for rank, value in enumerate(EvidenceLevel.values)}
APPROVAL_RANK = {value: rank for rank, value in enumerate(Approval.values)}


class RuleDataError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class When:
    """Conditions of one ladder step; all must hold."""

    evidence: str = "E0"  # at least this evidence level
    after: str | None = None  # a prior measure at this level or higher, within the repeat window
    culpability: str | None = None  # "intentional", or "victim" (which includes undetermined)
    ongoing: bool = False  # only while it is still going on
    own_logs: bool = False  # only when our own logs confirm the report
    warned: bool = False  # only after a documented warning (or a forward whose deadline passed)


@dataclass(frozen=True)
class Step:
    when: When
    level: str
    also: tuple[str, ...] = ()
    target: str | None = None  # None: the rule's target
    approval: str = "staff"
    clauses: tuple[str, ...] = ()  # added to the rule's clauses
    legal_basis: tuple[str, ...] = ()  # empty: the rule's legal basis
    notice: bool | None = None  # None: notice for L1 and above
    hearing: bool | None = None  # None: hearing for L4 and above
    review_hours: int | None = None  # None: the set's default for restrictions (L3+)
    emergency: bool = False  # may be carried out before notice and approval, then reviewed
    forward_to: str | None = None  # None: the rule's
    note: str = ""


@dataclass(frozen=True)
class RuleSpec:
    key: str
    title: str = ""
    kind: str = "case"
    position: int = 0
    methods: frozenset[str] = frozenset()  # empty: any
    account_kinds: frozenset[str] = frozenset()
    connection_types: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    hijack_kinds: frozenset[str] = frozenset()
    requires: frozenset[str] = frozenset()  # MatchFlag keys, all must hold
    default_culpability: str = "undetermined"
    intentional_at: str | None = None  # evidence level from which undetermined becomes intentional
    intentional_if_sender: bool = False  # intentional when the customer is also the sender
    reporters_n: int = DEFAULT_REPORTERS
    window_days: int = DEFAULT_WINDOW_DAYS
    repeat_count: int = DEFAULT_REPEAT_COUNT
    repeat_window_months: int = DEFAULT_REPEAT_MONTHS
    target: str = "none"
    forward_to: str | None = None
    clauses: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    ladder: tuple[Step, ...] = ()


@dataclass(frozen=True)
class CriteriaSnapshot:
    version: int
    rules: tuple[RuleSpec, ...] = ()  # case rules in matching order
    repeat_rules: tuple[RuleSpec, ...] = ()
    review_hours: int = DEFAULT_REVIEW_HOURS
    emergency_review_hours: int = DEFAULT_EMERGENCY_REVIEW_HOURS
    made_up_percent: int = DEFAULT_MADE_UP_PERCENT
    made_up_minimum: int = DEFAULT_MADE_UP_MINIMUM
    volume_messages: int = DEFAULT_VOLUME_MESSAGES
    volume_recipients: int = DEFAULT_VOLUME_RECIPIENTS
    volume_domains: int = DEFAULT_VOLUME_DOMAINS
    volume_unknown_percent: int = DEFAULT_VOLUME_UNKNOWN_PERCENT
    volume_unknown_minimum: int = DEFAULT_VOLUME_UNKNOWN_MINIMUM
    volume_new_networks: int = DEFAULT_VOLUME_NEW_NETWORKS
    volume_addresses: int = DEFAULT_VOLUME_ADDRESSES
    rules_by_key: dict = field(default_factory=dict, compare=False, hash=False)


def snapshot_build(*, version: int, rules: list[dict], **settings) -> CriteriaSnapshot:
    specs = sorted((rule_spec(r) for r in rules), key=lambda s: (s.position, s.key))
    return CriteriaSnapshot(
        version=version,
        rules=tuple(s for s in specs if s.kind == "case"),
        repeat_rules=tuple(s for s in specs if s.kind == "repeat_offender"),
        rules_by_key={s.key: s for s in specs},
        **settings,
    )


# --- checking rule data -------------------------------------------------------------

_SETS = {
    "methods": set(SendingMethod.values),
    "account_kinds": set(AccountKind.values),
    "connection_types": set(ConnectionType.values),
    "roles": {role.value for role in RULE_ROLES},
    "hijack_kinds": set(HijackKind.values),
    "requires": set(MatchFlag.values),
    "legal_basis": set(LegalBasis.values),
}
_STEP_KEYS = set(Step.__dataclass_fields__)
_WHEN_KEYS = set(When.__dataclass_fields__)


def _choice(fieldname: str, value, allowed, *, optional=False):
    if optional and value in (None, ""):
        return None
    if value not in allowed:
        raise RuleDataError(fieldname, f"{value!r} is not one of {', '.join(sorted(allowed))}")
    return str(value)  # plain str, also when given a TextChoices member


def _keys(fieldname: str, values, allowed=None) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list | tuple | set | frozenset):
        raise RuleDataError(fieldname, "must be a list")
    allowed = allowed if allowed is not None else _SETS.get(fieldname)
    for value in values:
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            raise RuleDataError(fieldname, f"{value!r} is not allowed")
    return tuple(values)


def _positive(fieldname: str, value, *, optional=False):
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RuleDataError(fieldname, "must be a whole number of at least 1")
    return value


def _flag(fieldname: str, value, *, optional=False):
    if optional and value is None:
        return None
    if not isinstance(value, bool):
        raise RuleDataError(fieldname, "must be true or false")
    return value


def _when(data, where: str) -> When:
    if not isinstance(data, dict):
        raise RuleDataError(where, "must be an object")
    unknown = set(data) - _WHEN_KEYS
    if unknown:
        raise RuleDataError(where, f"unknown condition(s): {', '.join(sorted(unknown))}")
    return When(
        evidence=_choice(f"{where}.evidence", data.get("evidence", "E0"), EVIDENCE_RANK),
        after=_choice(f"{where}.after", data.get("after"), LEVEL_RANK, optional=True),
        culpability=_choice(
            f"{where}.culpability", data.get("culpability"), {"intentional", "victim"}, optional=True
        ),
        ongoing=_flag(f"{where}.ongoing", data.get("ongoing", False)),
        own_logs=_flag(f"{where}.own_logs", data.get("own_logs", False)),
        warned=_flag(f"{where}.warned", data.get("warned", False)),
    )


def step_spec(data, where: str = "ladder") -> Step:
    if not isinstance(data, dict):
        raise RuleDataError(where, "each step must be an object")
    unknown = set(data) - _STEP_KEYS
    if unknown:
        raise RuleDataError(where, f"unknown key(s): {', '.join(sorted(unknown))}")
    if "level" not in data:
        raise RuleDataError(where, "a step needs a level")
    return Step(
        when=_when(data.get("when", {}), f"{where}.when"),
        level=_choice(f"{where}.level", data["level"], LEVEL_RANK),
        also=_keys(f"{where}.also", data.get("also"), set(LEVEL_RANK)),
        target=_choice(f"{where}.target", data.get("target"), set(Target.values), optional=True),
        approval=_choice(f"{where}.approval", data.get("approval", "staff"), APPROVAL_RANK),
        clauses=_keys(f"{where}.clauses", data.get("clauses")),
        legal_basis=_keys(f"{where}.legal_basis", data.get("legal_basis"), _SETS["legal_basis"]),
        notice=_flag(f"{where}.notice", data.get("notice"), optional=True),
        hearing=_flag(f"{where}.hearing", data.get("hearing"), optional=True),
        review_hours=_positive(f"{where}.review_hours", data.get("review_hours"), optional=True),
        emergency=_flag(f"{where}.emergency", data.get("emergency", False)),
        forward_to=_choice(
            f"{where}.forward_to", data.get("forward_to"), set(ForwardTo.values), optional=True
        ),
        note=str(data.get("note", "")),
    )


def rule_spec(data: dict) -> RuleSpec:
    """Check one rule's data (Rule model field names) and freeze it."""
    ladder = data.get("ladder") or []
    if not isinstance(ladder, list) or not ladder:
        raise RuleDataError("ladder", "must be a non-empty list of steps")
    return RuleSpec(
        key=str(data["key"]),
        title=str(data.get("title", "")),
        kind=_choice("kind", data.get("kind", "case"), set(RuleKind.values)),
        position=int(data.get("position", 0)),
        methods=frozenset(_keys("methods", data.get("methods"))),
        account_kinds=frozenset(_keys("account_kinds", data.get("account_kinds"))),
        connection_types=frozenset(_keys("connection_types", data.get("connection_types"))),
        roles=frozenset(_keys("roles", data.get("roles"))),
        hijack_kinds=frozenset(_keys("hijack_kinds", data.get("hijack_kinds"))),
        requires=frozenset(_keys("requires", data.get("requires"))),
        default_culpability=_choice(
            "default_culpability", data.get("default_culpability", "undetermined"), set(Culpability.values)
        ),
        intentional_at=_choice("intentional_at", data.get("intentional_at"), EVIDENCE_RANK, optional=True),
        intentional_if_sender=_flag("intentional_if_sender", data.get("intentional_if_sender", False)),
        reporters_n=_positive("reporters_n", data.get("reporters_n", DEFAULT_REPORTERS)),
        window_days=_positive("window_days", data.get("window_days", DEFAULT_WINDOW_DAYS)),
        repeat_count=_positive("repeat_count", data.get("repeat_count", DEFAULT_REPEAT_COUNT)),
        repeat_window_months=_positive(
            "repeat_window_months", data.get("repeat_window_months", DEFAULT_REPEAT_MONTHS)
        ),
        target=_choice("target", data.get("target") or "none", set(Target.values)),
        forward_to=_choice("forward_to", data.get("forward_to"), set(ForwardTo.values), optional=True),
        clauses=_keys("clauses", data.get("clauses")),
        legal_basis=_keys("legal_basis", data.get("legal_basis")),
        ladder=tuple(step_spec(step, f"ladder[{i}]") for i, step in enumerate(ladder)),
    )
