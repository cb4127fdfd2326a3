"""Subscribers, accounts (with their hosted names) and address blocks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from abusedesk.audit import audit_record
from subscribers import ipkeys, mape
from subscribers.choices import (
    HELD_BLOCK_KINDS,
    AccountKind,
    AccountStatus,
    BlockKind,
    SubscriberKind,
    SubscriberStatus,
)
from subscribers.models import Account, AddressBlock, HostedName, Subscriber
from subscribers.services.common import (
    InventoryError,
    Outcome,
    aware,
    choice,
    email_or_blank,
    required,
    upsert,
)

# A "since" date a little ahead of this machine's clock is another machine's now.
SINCE_SKEW = timedelta(minutes=5)


def subscriber_values(
    *,
    name: str,
    email: str = "",
    kind: str = SubscriberKind.INDIVIDUAL,
    status: str = SubscriberStatus.ACTIVE,
) -> dict:
    """The checked field values of a subscriber; raises InventoryError with the reason."""
    return {
        "name": required(name, "name"),
        "email": email_or_blank(email),
        "kind": choice(kind, SubscriberKind, "kind"),
        "status": choice(status, SubscriberStatus, "status"),
    }


# The identity given at sign-up and the consent to the inter-carrier exchange (S4 contract
# data, read by sign-up screening and the exchange).
SIGNUP_FIELDS = (
    "name_kana",
    "postal_address",
    "phone",
    "card_fingerprint",
    "exchange_clause",
    "exchange_consent_at",
    "exchange_consent_record",
)


def subscriber_signup_values(
    *,
    name_kana: str = "",
    postal_address: str = "",
    phone: str = "",
    card_fingerprint: str = "",
    exchange_clause: bool = False,
    exchange_consent_at=None,
    exchange_consent_record: str = "",
) -> dict:
    """The checked sign-up identity and exchange consent; raises InventoryError with the reason."""
    if exchange_consent_at is not None and not exchange_clause:
        raise InventoryError(
            "consent to the exchange is consent under its clause: the contract must have C-15"
        )
    return {
        "name_kana": (name_kana or "").strip(),
        "postal_address": (postal_address or "").strip(),
        "phone": (phone or "").strip(),
        "card_fingerprint": (card_fingerprint or "").strip(),
        "exchange_clause": bool(exchange_clause),
        "exchange_consent_at": exchange_consent_at,
        "exchange_consent_record": (exchange_consent_record or "").strip(),
    }


def subscriber_upsert(
    *,
    subscriber_id: str,
    name: str,
    email: str = "",
    kind: str = SubscriberKind.INDIVIDUAL,
    status: str = SubscriberStatus.ACTIVE,
    signup: dict | None = None,
    actor=None,
    reason: str = "",
) -> tuple[Subscriber, Outcome]:
    """Create or update a subscriber. With `actor` (a person's edit) the change is audited.

    `signup` (keys of SIGNUP_FIELDS) sets the identity at sign-up and the exchange
    consent; None leaves them as they are (the inventory CSV does not carry them).
    """
    values = subscriber_values(name=name, email=email, kind=kind, status=status)
    if signup is not None:
        values.update(subscriber_signup_values(**signup))
    lookup = {"subscriber_id": required(subscriber_id, "subscriber_id")}
    return _person_upsert(Subscriber, lookup, values, actor=actor, reason=reason)


_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def hosted_names_parse(identifier: str) -> list[str]:
    """The lowercase domain names and canonical addresses in a hosting identifier."""
    names = []
    for item in re.split(r"[,\s]+", identifier or ""):
        item = item.strip().rstrip(".").lower()
        if not item:
            continue
        try:
            names.append(str(ipkeys.parse_ip(item)))
            continue
        except ValueError:
            pass
        try:
            item = item.encode("idna").decode("ascii")  # 例え.jp → xn--r8jz45g.jp
        except UnicodeError:
            raise InventoryError(f"hosted name {item!r} is not a domain name or address") from None
        if not _HOSTNAME.match(item):
            raise InventoryError(f"hosted name {item!r} is not a domain name or address")
        if item not in names:
            names.append(item)
    return names


def hosted_names_sync(*, account: Account) -> None:
    """Make HostedName rows mirror the account's identifier (hosting accounts only)."""
    wanted = set(hosted_names_parse(account.identifier)) if account.kind == AccountKind.HOSTING else set()
    have = set(account.hosted_names.values_list("name", flat=True))
    account.hosted_names.filter(name__in=have - wanted).delete()
    HostedName.objects.bulk_create([HostedName(account=account, name=name) for name in sorted(wanted - have)])


def _account_identifier(kind: str, identifier: str) -> str:
    identifier = (identifier or "").strip()
    if kind == AccountKind.HOSTING:
        return ",".join(hosted_names_parse(identifier))
    if any(ch.isspace() for ch in identifier):
        raise InventoryError(f"identifier {identifier!r} contains white space")
    return identifier


def account_values(
    *,
    account_id: str,
    subscriber_id: str,
    kind: str,
    identifier: str = "",
    status: str = AccountStatus.ACTIVE,
) -> dict:
    """The checked field values of an account; raises InventoryError with the reason."""
    account_id = required(account_id, "account_id")
    kind = choice(kind, AccountKind, "kind")
    subscriber = Subscriber.objects.filter(subscriber_id=(subscriber_id or "").strip()).first()
    if subscriber is None:
        raise InventoryError(f"unknown subscriber_id {subscriber_id!r}")
    identifier = _account_identifier(kind, identifier)
    existing = Account.objects.filter(account_id=account_id).only("kind").first()
    if existing and existing.kind != kind:
        # Sessions and blocks point at accounts by kind; re-typing one would corrupt them.
        raise InventoryError(f"account {account_id} is a {existing.kind} account; its kind cannot change")
    if identifier and kind in (AccountKind.MAIL, AccountKind.CONNECTION):
        other = (
            Account.objects.filter(kind=kind, identifier=identifier).exclude(account_id=account_id).first()
        )
        if other:
            raise InventoryError(
                f"{kind} identifier {identifier!r} already belongs to account {other.account_id}"
            )
    return {
        "subscriber": subscriber,
        "kind": kind,
        "identifier": identifier,
        "status": choice(status, AccountStatus, "status"),
    }


def account_upsert(
    *,
    account_id: str,
    subscriber_id: str,
    kind: str,
    identifier: str = "",
    status: str = AccountStatus.ACTIVE,
    subscriber_since: datetime | None = None,
    correction: bool = False,
    actor=None,
    reason: str = "",
) -> tuple[Account, Outcome]:
    """Create or update an account. With `actor` (a person's edit) the change is audited.

    subscriber_since: since when the account is this subscriber's. Not given, an account
    that passes to another subscriber is that subscriber's from now, and a new account
    or one that stays with its subscriber keeps what it had (a new one: not known).
    `correction`: the subscriber was entered wrong, the one given held it all along, so
    the date recorded stays.
    """
    values = account_values(
        account_id=account_id, subscriber_id=subscriber_id, kind=kind, identifier=identifier, status=status
    )
    existing = Account.objects.filter(account_id=account_id.strip()).only("subscriber_id").first()
    values.update(
        _since(
            "subscriber_since",
            subscriber_since,
            changed=not correction
            and existing is not None
            and existing.subscriber_id != values["subscriber"].pk,
        )
    )
    with transaction.atomic():
        account, outcome = _person_upsert(
            Account, {"account_id": account_id.strip()}, values, actor=actor, reason=reason
        )
        if outcome is not Outcome.UNCHANGED:
            hosted_names_sync(account=account)
    return account, outcome


# -- address blocks ---------------------------------------------------------------


def block_prefix_fields(*, prefix: str) -> dict:
    """The canonical prefix text and its keys, for a new or edited AddressBlock."""
    try:
        network = ipkeys.parse_network(prefix)
    except ValueError as exc:
        raise InventoryError(str(exc)) from None
    start_key, end_key, prefix_len = ipkeys.network_key(network)
    return {
        "prefix": str(network),
        "start_key": start_key,
        "end_key": end_key,
        "prefix_len": prefix_len,
        "family": network.version,
    }


_ACCOUNT_KIND_FOR_BLOCK = {BlockKind.STATIC: AccountKind.CONNECTION, BlockKind.HOSTING: AccountKind.HOSTING}


def _block_account(kind: str, account_id: str) -> Account | None:
    account_id = (account_id or "").strip()
    wanted = _ACCOUNT_KIND_FOR_BLOCK.get(kind)
    if not account_id:
        if kind == BlockKind.STATIC:
            raise InventoryError("a static block needs assigned_to (a connection account id)")
        return None
    if wanted is None:
        raise InventoryError(f"assigned_to is only for static and hosting blocks, not {kind}")
    account = Account.objects.filter(account_id=account_id).first()
    if account is None:
        raise InventoryError(f"unknown account_id {account_id!r} in assigned_to")
    if account.kind != wanted:
        raise InventoryError(
            f"a {kind} block must be assigned to a {wanted} account; {account_id} is {account.kind}"
        )
    return account


def _block_holder(kind: str, subscriber_id: str) -> Subscriber | None:
    subscriber_id = (subscriber_id or "").strip()
    if kind not in HELD_BLOCK_KINDS:
        if subscriber_id:
            raise InventoryError(
                f"sub_allocated_to is only for sub_allocation and transit blocks, not {kind}"
            )
        return None
    if not subscriber_id:
        raise InventoryError(f"a {kind} block needs sub_allocated_to (a subscriber id)")
    holder = Subscriber.objects.filter(subscriber_id=subscriber_id).first()
    if holder is None:
        raise InventoryError(f"unknown subscriber_id {subscriber_id!r} in sub_allocated_to")
    return holder


def block_map_rule_values(
    *, kind: str, prefix_fields: dict, map_rule_ipv6: str = "", map_ea_bits=None, map_psid_offset=None
) -> dict:
    """The checked MAP-E rule of a block: three values on a shared IPv4 block, or none.

    A shared block without a rule is a CGN pool whose port blocks come from NAT logs.
    """
    rule_ipv6 = (map_rule_ipv6 or "").strip()
    given = bool(rule_ipv6) or map_ea_bits not in (None, "") or map_psid_offset not in (None, "")
    empty = {"map_rule_ipv6": "", "map_ea_bits": None, "map_psid_offset": None}
    if not given:
        return empty
    if kind != BlockKind.SHARED:
        raise InventoryError(f"a MAP-E rule is only for shared blocks, not {kind}")
    if prefix_fields["family"] != 4:
        raise InventoryError("a MAP-E rule needs the block to be its rule IPv4 prefix")
    if not rule_ipv6 or map_ea_bits in (None, ""):
        raise InventoryError("a MAP-E rule needs the rule IPv6 prefix and the EA-bits length")
    try:
        ea_bits = int(map_ea_bits)
        offset = mape.DEFAULT_PSID_OFFSET if map_psid_offset in (None, "") else int(map_psid_offset)
    except (TypeError, ValueError):
        raise InventoryError("the EA-bits length and PSID offset must be whole numbers") from None
    try:
        ipv6 = ipkeys.parse_network(rule_ipv6)
    except ValueError as exc:
        raise InventoryError(f"rule IPv6 prefix: {exc}") from None
    if ipv6.version != 6:
        raise InventoryError(f"rule IPv6 prefix {rule_ipv6!r} is not an IPv6 prefix")
    try:
        mape.MapRule(ipkeys.parse_network(prefix_fields["prefix"]), ipv6, ea_bits, offset)
    except mape.MapRuleError as exc:
        raise InventoryError(f"MAP-E rule: {exc}") from None
    return {"map_rule_ipv6": str(ipv6), "map_ea_bits": ea_bits, "map_psid_offset": offset}


def block_values(
    *,
    prefix: str,
    kind: str,
    account_id: str = "",
    sub_allocated_to: str = "",
    abuse_contact: str = "",
    map_rule_ipv6: str = "",
    map_ea_bits=None,
    map_psid_offset=None,
) -> dict:
    """The checked field values of an address block (prefix included); raises InventoryError.

    A static block belongs to a connection account, a hosting block to a hosting
    account, sub-allocation and transit blocks to a subscriber: a block assigned
    to anything else would make attribution blame the wrong customer.
    """
    fields = block_prefix_fields(prefix=prefix)
    kind = choice(kind, BlockKind, "kind")
    if kind == BlockKind.SHARED and fields["family"] != 4:
        raise InventoryError("a shared block is IPv4: IPv6 gives every subscriber its own prefix")
    return {
        **fields,
        **block_map_rule_values(
            kind=kind,
            prefix_fields=fields,
            map_rule_ipv6=map_rule_ipv6,
            map_ea_bits=map_ea_bits,
            map_psid_offset=map_psid_offset,
        ),
        "kind": kind,
        "account": _block_account(kind, account_id),
        "sub_allocated_to": _block_holder(kind, sub_allocated_to),
        "abuse_contact": email_or_blank(abuse_contact, "abuse_contact"),
    }


def block_upsert(
    *,
    prefix: str,
    kind: str,
    account_id: str = "",
    sub_allocated_to: str = "",
    abuse_contact: str = "",
    map_rule_ipv6: str = "",
    map_ea_bits=None,
    map_psid_offset=None,
    note: str | None = None,
    holder_since: datetime | None = None,
    correction: bool = False,
    actor=None,
    reason: str = "",
) -> tuple[AddressBlock, Outcome]:
    """Create or update the block with this prefix; note=None leaves an existing note alone.

    holder_since: since when the block is assigned to its account or holder. Not given,
    a block whose holder changes is the new holder's from now, and a new block or one
    whose holder stays keeps what it had (a new one: not known). `correction`: the
    holder was entered wrong, the one given held it all along, so the date recorded stays.

    With `actor` (a person's edit) the change is audited.
    """
    values = block_values(
        prefix=prefix,
        kind=kind,
        account_id=account_id,
        sub_allocated_to=sub_allocated_to,
        abuse_contact=abuse_contact,
        map_rule_ipv6=map_rule_ipv6,
        map_ea_bits=map_ea_bits,
        map_psid_offset=map_psid_offset,
    )
    if note is not None:
        values["note"] = note
    prefix_text = values.pop("prefix")
    existing = (
        AddressBlock.objects.filter(prefix=prefix_text).only("account_id", "sub_allocated_to_id").first()
    )
    holder = (
        values["account"].pk if values["account"] else None,
        values["sub_allocated_to"].pk if values["sub_allocated_to"] else None,
    )
    values.update(
        _since(
            "holder_since",
            holder_since,
            changed=not correction
            and existing is not None
            and (existing.account_id, existing.sub_allocated_to_id) != holder,
        )
    )
    return _person_upsert(AddressBlock, {"prefix": prefix_text}, values, actor=actor, reason=reason)


def since_checked(given: datetime | None, field: str) -> datetime | None:
    """A "holder since" date as given (an instant, not in the future), or None."""
    if given is not None:
        aware(given, field)
        if given > timezone.now() + SINCE_SKEW:
            raise InventoryError(f"{field} {given.isoformat()} is in the future")
    return given


def _since(field: str, given: datetime | None, *, changed: bool) -> dict:
    """The value of a "holder since" field to write, if any: the date given, or now when
    the holder changes without one (the change is seen now; it may have been earlier, and
    a later date only names nobody for a spam in between, never the wrong customer)."""
    if since_checked(given, field) is not None:
        return {field: given}
    return {field: timezone.now()} if changed else {}


def block_delete(*, block: AddressBlock, actor, reason: str) -> None:
    """A person removes a block from the plan; the audit entry keeps what it was."""
    reason = _reason(actor, reason)
    with transaction.atomic():
        before = _snapshot(block)
        block.delete()
        audit_record(
            actor=actor,
            action="inventory.addressblock.deleted",
            object_type="subscribers.addressblock",
            object_id=before["prefix"],
            reason=reason,
            data={"before": before},
        )


# -- a person's edits ------------------------------------------------------------------
#
# Importers write the inventory in bulk and report per file; an edit by a person
# (the admin) is one audited action with a reason, in the same transaction.


def _reason(actor, reason: str) -> str:
    reason = (reason or "").strip()
    if actor is not None and not reason:
        raise InventoryError("say why the inventory changes: a reason is required")
    return reason


def _snapshot(obj) -> dict:
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in ("id", "created_at", "updated_at"):
            continue
        value = getattr(obj, field.attname)
        data[field.name] = value if value is None or isinstance(value, int | bool) else str(value)
    return data


def _person_upsert(model, lookup: dict, values: dict, *, actor, reason: str):
    reason = _reason(actor, reason)
    if actor is None:
        return upsert(model, lookup, values)
    with transaction.atomic():
        existing = model.objects.filter(**lookup).first()
        before = _snapshot(existing) if existing else None
        obj, outcome = upsert(model, lookup, values)
        if outcome is not Outcome.UNCHANGED:
            after = _snapshot(obj)
            audit_record(
                actor=actor,
                action=f"inventory.{model._meta.model_name}.{outcome.value}",
                obj=obj,
                reason=reason,
                data={
                    "before": before,
                    "changed": {k: v for k, v in after.items() if before is None or before.get(k) != v},
                },
            )
    return obj, outcome
