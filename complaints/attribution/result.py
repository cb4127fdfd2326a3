from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Attribution:
    """The answer for one report. `steps` are short machine-readable reasons
    ({"code": ..., plus parameters}) that the UI turns into sentences; `records`
    name every inventory, log and evidence row the answer rests on."""

    roles: list[str] = field(default_factory=list)
    sending_method: str | None = None
    accounts: list[str] = field(default_factory=list)
    account_kinds: list[str] = field(default_factory=list)
    subscribers: list[str] = field(default_factory=list)
    sub_allocation: dict | None = None
    abuse_contact: dict | None = None
    relaying_network: dict | None = None
    probable_victim: bool = False
    # Where the origin address came from: "field" (a report field such as ARF
    # Source-IP), "walked" (the trusted Received chain), "stated" (a person named it
    # in words) or None; and what the message was (spam, machine report, complaint).
    origin: dict | None = None
    message_kind: str | None = None
    # Positive evidence that the origin machine was compromised, and signals: what
    # was seen but shows nothing on its own. Both as [{"key": ..., "value": ...}].
    compromise: list[dict] = field(default_factory=list)
    signals: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    # The origin is a shared IPv4 address (CGN, MAP-E, DS-Lite): {"address", "port",
    # "identified", "account", "how"}; None for every other origin.
    shared_ipv4: dict | None = None

    def step(self, code: str, **params) -> None:
        self.steps.append({"code": code, **{k: v for k, v in params.items() if v not in (None, "")}})

    def signal(self, key: str, value, code: str, *, listed: bool = True, **params) -> None:
        """Something seen that is not evidence of anything: a step, and (`listed`) a signal."""
        entry = {"key": key, "value": "" if value is None else str(value)}
        if listed and entry not in self.signals:
            self.signals.append(entry)
        self.step(code, weight="signal", **params)

    def compromised(self, key: str, value, code: str, **params) -> None:
        """Positive evidence that the origin machine is not under its holder's control."""
        entry = {"key": key, "value": "" if value is None else str(value)}
        if entry not in self.compromise:
            self.compromise.append(entry)
        self.probable_victim = True
        self.step(code, weight="evidence", **params)

    def record(self, kind: str, pk) -> None:
        entry = {"type": kind, "id": pk}
        if pk is not None and entry not in self.records:
            self.records.append(entry)

    def add_role(self, role: str) -> None:
        if role not in self.roles:
            self.roles.append(role)

    def add_account(self, account) -> None:
        if account is None or account.account_id in self.accounts:
            return
        if account.subscriber_changed_after_read:
            # The account passed to its present subscriber after the spam (a change of
            # contract holder): naming it, or today's subscriber, blames someone else.
            code = "account_holder_changed_after_spam"
            if not any(s["code"] == code and s.get("account") == account.account_id for s in self.steps):
                self.step(code, account=account.account_id, at=account.subscriber_since.isoformat())
            return
        self.accounts.append(account.account_id)
        if account.kind not in self.account_kinds:
            self.account_kinds.append(account.kind)
        subscriber_id = account.subscriber.subscriber_id
        if subscriber_id not in self.subscribers:
            self.subscribers.append(subscriber_id)
        self.record("account", account.account_id)

    def to_dict(self) -> dict:
        data = asdict(self)
        if data["shared_ipv4"] is None:
            del data["shared_ipv4"]  # only reports with a shared origin carry the key
        return data
