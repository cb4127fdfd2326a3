"""Reads other apps use to ask the inventory who held what, and when.

All address questions go through ipkeys keys, so each is a B-tree lookup (see the
models); `at` arguments must be aware datetimes (instants, not clock readings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address

from django.db import connection
from django.db.models import QuerySet

from subscribers import ipkeys
from subscribers.choices import AccountKind, AccountStatus, BlockKind, MailLogKind
from subscribers.models import (
    Account,
    AddressBlock,
    HostedName,
    MailLogEntry,
    NatPortBlock,
    Session,
    SessionPrefixLength,
    Subscriber,
)

IP = str | IPv4Address | IPv6Address

_V4_MIN_LEN = 96  # IPv4 lives in ::ffff:0:0/96; shorter lengths cannot hold an IPv4 session


def _check_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be an aware datetime: attribution compares instants")


def _session_lengths(address: IPv4Address | IPv6Address) -> list[int]:
    # Lengths come from SessionPrefixLength, kept by the services that write sessions,
    # rather than a fixed list: one tiny indexed read, and a /60 or /48 delegation
    # works the day the first one is imported. Most specific first.
    lengths = SessionPrefixLength.objects.order_by("-prefix_len").values_list("prefix_len", flat=True)
    if address.version == 4:
        return [n for n in lengths if n >= _V4_MIN_LEN]
    return list(lengths)


def session_probe(*, start_key: str, prefix_len: int, at: datetime) -> QuerySet[Session]:
    """The latest session on exactly this range that started by `at` (it may have stopped).

    Served by the (ip_start_key, prefix_len, started_at) index: one descent, no sort.
    """
    return (
        Session.objects.filter(ip_start_key=start_key, prefix_len=prefix_len, started_at__lte=at)
        .select_related("account__subscriber")
        .order_by("-started_at")[:1]
    )


def session_at(*, ip: IP, at: datetime) -> Session | None:
    """The session that held `ip` (or a delegated prefix containing it) at instant `at`.

    A session covers started_at <= at < stopped_at; at a handover the instant belongs
    to the new holder. One index probe per prefix length in use; the most specific
    holder wins.
    """
    _check_aware(at)
    address = ipkeys.parse_ip(ip)
    for length in _session_lengths(address):
        session = session_probe(
            start_key=ipkeys.start_key_at(address, length), prefix_len=length, at=at
        ).first()
        if session is not None and (session.stopped_at is None or at < session.stopped_at):
            return session
    return None


def block_for(*, ip: IP) -> AddressBlock | None:
    """The most specific of our address blocks containing `ip`, or None (not ours)."""
    key = ipkeys.ip_key(ip)
    return (
        AddressBlock.objects.filter(start_key__lte=key, end_key__gte=key)
        .select_related("account__subscriber", "sub_allocated_to")
        .order_by("-prefix_len")
        .first()
    )


def is_own_mail_server(ip: IP) -> bool:
    key = ipkeys.ip_key(ip)
    return AddressBlock.objects.filter(
        kind=BlockKind.MAIL_SERVERS, start_key__lte=key, end_key__gte=key
    ).exists()


@dataclass(frozen=True)
class AttributionHit:
    """What the inventory says about one address at one instant.

    reason: dynamic_session, static_block, sub_allocation, transit, hosting_block, mail_servers,
    infrastructure, not_ours, no_session (a dynamic pool address nobody held then), shared
    (an IPv4 address shared by subscribers: only a port can name one, see shared_address_at).
    """

    block: AddressBlock | None
    session: Session | None
    account: Account | None
    reason: str

    @property
    def subscriber(self) -> Subscriber | None:
        """The customer responsible: the account's holder or the sub-allocation holder."""
        if self.account is not None:
            return self.account.subscriber
        if self.block is not None and self.reason in ("sub_allocation", "transit"):
            return self.block.sub_allocated_to
        return None


_BLOCK_REASONS = {
    BlockKind.SUB_ALLOCATION: "sub_allocation",
    BlockKind.TRANSIT: "transit",
    BlockKind.HOSTING: "hosting_block",
    BlockKind.MAIL_SERVERS: "mail_servers",
    BlockKind.INFRASTRUCTURE: "infrastructure",
    BlockKind.SHARED: "shared",
}


def account_for_ip_at(*, ip: IP, at: datetime) -> AttributionHit:
    _check_aware(at)
    block = block_for(ip=ip)
    if block is None or block.kind == BlockKind.DYNAMIC:
        # A session outside every known block still names its holder: the session log
        # is the stronger record when the address plan is incomplete.
        session = session_at(ip=ip, at=at)
        if session is not None:
            return AttributionHit(block, session, session.account, "dynamic_session")
        return AttributionHit(block, None, None, "not_ours" if block is None else "no_session")
    if block.kind == BlockKind.STATIC:
        return AttributionHit(block, session_at(ip=ip, at=at), block.account, "static_block")
    account = block.account if block.kind == BlockKind.HOSTING else None
    return AttributionHit(block, None, account, _BLOCK_REASONS[block.kind])


def _host_candidates(host: str) -> list[str]:
    host = host.strip().rstrip(".").lower()
    try:
        return [str(ipkeys.parse_ip(host))]
    except ValueError:
        pass
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return []
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def hosting_account_for_host(*, host: str) -> Account | None:
    """The hosting account serving `host`: the exact name, else the nearest parent domain.

    Among accounts listing the same name, an active one wins over suspended or closed.
    """
    candidates = _host_candidates(host)
    if not candidates:
        return None
    hits = list(
        HostedName.objects.filter(name__in=candidates, account__kind=AccountKind.HOSTING).select_related(
            "account__subscriber"
        )
    )
    if not hits:
        return None
    best = min(hits, key=lambda h: (candidates.index(h.name), h.account.status != AccountStatus.ACTIVE))
    return best.account


def mail_submissions(
    *,
    login: str | None = None,
    client_ip: IP | None = None,
    message_id: str | None = None,
    around: datetime,
    window: timedelta,
) -> QuerySet[MailLogEntry]:
    """Authenticated submissions within `window` either side of `around`, oldest first.

    At least one of login, client_ip, message_id is required so the read uses an index.
    message_id is matched with or without angle brackets.
    """
    _check_aware(around)
    if not (login or client_ip or message_id):
        raise ValueError("give at least one of login, client_ip, message_id")
    entries = MailLogEntry.objects.filter(
        kind=MailLogKind.SUBMISSION, at__gte=around - window, at__lte=around + window
    )
    if login:
        entries = entries.filter(login=login)
    if client_ip:
        entries = entries.filter(client_key=ipkeys.ip_key(client_ip))
    if message_id:
        entries = entries.filter(message_id=message_id.strip().strip("<>"))
    return entries.order_by("at")


def mail_logins(*, client_ip: IP, before: datetime, window: timedelta) -> QuerySet[MailLogEntry]:
    """POP/IMAP logins from client_ip in the `window` up to `before`, newest first.

    For POP-before-SMTP and SMTP AUTH relaying: which mail account logged in from the
    address a spam came from.
    """
    _check_aware(before)
    return MailLogEntry.objects.filter(
        kind=MailLogKind.LOGIN,
        client_key=ipkeys.ip_key(client_ip),
        at__gte=before - window,
        at__lte=before,
    ).order_by("-at")


def recipient_outcomes(
    *, login: str | None = None, client_ip: IP | None = None, since: datetime, until: datetime
) -> tuple[int, int, list[int]]:
    """(recipients whose address did not exist, all recipients, ids of up to 20 of the
    former) of mail a login (or, without one, a client address) sent through us between
    `since` and `until`. One of login and client_ip is required, for the index."""
    _check_aware(since)
    _check_aware(until)
    if not (login or client_ip):
        raise ValueError("give a login or a client address")
    entries = MailLogEntry.objects.filter(kind=MailLogKind.RECIPIENT, at__gte=since, at__lte=until)
    entries = entries.filter(login=login) if login else entries.filter(client_key=ipkeys.ip_key(client_ip))
    total = entries.count()
    if not total:
        return 0, 0, []
    unknown = entries.filter(unknown_recipient=True)
    return unknown.count(), total, list(unknown.order_by("at").values_list("pk", flat=True)[:20])


# -- shared IPv4 (CGN, MAP-E, DS-Lite) ------------------------------------------------


_PROBE: dict[str, tuple[str, list]] = {}


def _probe_statement() -> tuple[str, list]:
    """nat_block_probe as one prepared text with the account and subscriber joined, and
    the backend's converters of each column: compiling the ORM query costs more than
    running it, on every lookup."""
    if connection.vendor not in _PROBE:
        tables = ((NatPortBlock, "b"), (Account, "a"), (Subscriber, "s"))
        models = []
        for model, _alias in tables:
            fields = model._meta.concrete_fields
            converters = []
            for field in fields:
                col = field.get_col(model._meta.db_table)
                converters.append(
                    (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
                )
            models.append((model, [f.attname for f in fields], converters))
        quote = connection.ops.quote_name
        columns = ", ".join(
            f"{alias}.{quote(f.column)}" for model, alias in tables for f in model._meta.concrete_fields
        )
        # Column names from the models' own metadata; every value is a parameter.
        sql = (
            f"SELECT {columns}, (SELECT max(y.size) FROM subscribers_natportblocksize y) "  # noqa: S608
            "FROM subscribers_natportblock b "
            "JOIN subscribers_account a ON a.id = b.account_id "
            "JOIN subscribers_subscriber s ON s.id = a.subscriber_id "
            "WHERE b.address_key = %s AND b.started_at <= %s AND b.port_start = ("
            "SELECT v.port_start FROM subscribers_natportblock v WHERE v.address_key = %s "
            "AND v.port_start <= %s AND v.port_start >= coalesce(%s, %s + 1 - ("
            "SELECT max(z.size) FROM subscribers_natportblocksize z)) "
            "ORDER BY v.port_start DESC LIMIT 1) "
            "ORDER BY b.started_at DESC LIMIT 1"
        )
        _PROBE[connection.vendor] = (sql, models)
    return _PROBE[connection.vendor]


def nat_block_probe(*, address_key: str, port: int, at: datetime, lowest: int | None = None):
    """(sql, params) of the probe: the latest allocation by `at` of the highest port start
    in lowest..port (lowest by default: the largest block size below the port).

    Two descents of the (address_key, port_start, started_at) index: the highest port
    start at or below the port, then that start's latest allocation by `at`.
    """
    sql, _models = _probe_statement()
    at_param = connection.ops.adapt_datetimefield_value(at)
    return sql, [address_key, at_param, address_key, port, lowest, port]


def _probe(key: str, ceiling: int, at: datetime, lowest: int | None) -> tuple[NatPortBlock | None, int]:
    """The allocation nat_block_probe finds, with its account and subscriber loaded, and
    the largest block size (read in the same statement)."""
    _sql, models = _probe_statement()
    sql, params = nat_block_probe(address_key=key, port=ceiling, at=at, lowest=lowest)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, 0
    objects, offset = [], 0
    for model, names, converters in models:
        values = []
        for value, (col, funcs) in zip(row[offset : offset + len(names)], converters, strict=True):
            for func in funcs:
                value = func(value, col, connection)
            values.append(value)
        objects.append(model.from_db(connection.alias, names, values))
        offset += len(names)
    block, account, subscriber = objects
    account.subscriber = subscriber
    block.account = account
    return block, row[-1] or 0


def _scalar(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def nat_block_at(*, ip: IP, port: int, at: datetime) -> NatPortBlock | None:
    """The port block of a shared address that held `port` at instant `at`, or None.

    Allocations on one address never give one port to two accounts at once (the import
    refuses it), so the block is among the port starts within the largest block size
    below the port, highest first; one statement answers unless block sizes changed
    over time (then each lower start is one more).
    """
    _check_aware(at)
    key = ipkeys.ip_key(ip)
    lowest = None
    ceiling = port
    while True:
        row, biggest = _probe(key, ceiling, at, lowest)
        if row is None:
            # Nothing by `at` at the highest start; a lower start may still reach the port.
            if lowest is None:
                biggest = _scalar("SELECT max(size) FROM subscribers_natportblocksize", [])
                if biggest is None:
                    return None
                lowest = max(0, port - biggest + 1)
            start = _scalar(
                "SELECT max(port_start) FROM subscribers_natportblock "
                "WHERE address_key = %s AND port_start <= %s AND port_start >= %s",
                [key, ceiling, lowest],
            )
            if start is None:
                return None
            ceiling = start - 1
            continue
        if row.port_end >= port and (row.stopped_at is None or at < row.stopped_at):
            return row
        ceiling = row.port_start - 1
        if lowest is None:
            lowest = max(0, port - biggest + 1)
        if ceiling < lowest:
            return None


@dataclass(frozen=True)
class SharedHit:
    """Who used (shared address, port) at an instant, and how we know.

    how: "natlog" (a port-block row), "map_e" (the mapping rule to an IPv6 prefix, then
    the session log), or None when nobody can be named; reason says why then:
    no_port, port_outside_port_sets, no_port_block, no_session.
    """

    address: str
    port: int | None
    account: Account | None
    how: str | None
    reason: str | None = None
    nat_block: NatPortBlock | None = None
    session: Session | None = None
    ipv6_prefix: str | None = None
    psid: int | None = None

    @property
    def identified(self) -> bool:
        return self.account is not None


def map_rule_of(block: AddressBlock):
    from subscribers import mape

    if not block.map_rule_ipv6:
        return None
    return mape.MapRule(
        ipkeys.parse_network(block.prefix),
        ipkeys.parse_network(block.map_rule_ipv6),
        block.map_ea_bits,
        block.map_psid_offset,
    )


def shared_address_at(*, block: AddressBlock, ip: IP, port: int | None, at: datetime) -> SharedHit:
    """The one subscriber behind (ip, port) at `at` in a shared block, or why there is none."""
    _check_aware(at)
    address = str(ipkeys.parse_ip(ip))
    if port is None:
        return SharedHit(address, None, None, None, "no_port")
    rule = map_rule_of(block)
    if rule is None:
        row = nat_block_at(ip=address, port=port, at=at)
        if row is None:
            return SharedHit(address, port, None, None, "no_port_block")
        return SharedHit(address, port, row.account, "natlog", nat_block=row)
    psid = rule.psid(port)
    if psid is None:
        return SharedHit(address, port, None, None, "port_outside_port_sets")
    prefix = rule.end_user_prefix(ipkeys.parse_ip(address), port)
    session = session_at(ip=prefix.network_address, at=at)
    if session is None:
        return SharedHit(address, port, None, None, "no_session", ipv6_prefix=str(prefix), psid=psid)
    return SharedHit(
        address, port, session.account, "map_e", session=session, ipv6_prefix=str(prefix), psid=psid
    )
