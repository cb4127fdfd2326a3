"""Reads other apps use to ask the inventory who held what, and when.

All address questions go through ipkeys keys, so each is a B-tree lookup (see the
models); `at` arguments must be aware datetimes (instants, not clock readings).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address

from django.db import connection
from django.db.models import Q, QuerySet

from abusedesk import rawsql
from subscribers import ipkeys
from subscribers.choices import AccountKind, AccountStatus, BlockKind, MailLogKind
from subscribers.models import (
    Account,
    AddressBlock,
    HostedName,
    MailLogEntry,
    NatPortBlock,
    Session,
    Subscriber,
)

IP = str | IPv4Address | IPv6Address

_memo = threading.local()


@contextmanager
def lookups_memoized():
    """Within one unit of work, ask the inventory each question once.

    A report's processing and its attribution, run in one worker task, asked the same
    questions several times (the block holding the source address four times, the
    session at the spam's instant and the sites among its links twice): within this
    block the answers of block_for, sessions_at (and session_at) and
    hosting_accounts_for_hosts are kept and given again. Meant for a few milliseconds
    of work that should read one state of the inventory anyway; never across tasks or
    requests. Nested, the outermost block's memory is used."""
    if getattr(_memo, "answers", None) is not None:
        yield
        return
    _memo.answers = {}
    try:
        yield
    finally:
        _memo.answers = None


def memoized(key: tuple, compute: Callable[[], object]):
    """`compute()`, or its answer for `key` given earlier in the same lookups_memoized block."""
    answers = getattr(_memo, "answers", None)
    if answers is None:
        return compute()
    if key not in answers:
        answers[key] = compute()
    return answers[key]


_V4_MIN_LEN = 96  # IPv4 lives in ::ffff:0:0/96; shorter lengths cannot hold an IPv4 session


def _check_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be an aware datetime: attribution compares instants")


def session_probe(*, start_key: str, prefix_len: int, at: datetime) -> QuerySet[Session]:
    """The latest session on exactly this range that started by `at` (it may have stopped).

    Served by the (ip_start_key, prefix_len, started_at) index: one descent, no sort.
    session_at asks the same of every length in use in one statement.
    """
    return (
        Session.objects.filter(ip_start_key=start_key, prefix_len=prefix_len, started_at__lte=at)
        .select_related("account__subscriber")
        .order_by("-started_at")[:1]
    )


_SESSION_SQL: dict[tuple[str, int], str] = {}


def _latest(table: str, alias: str, where: str, *, left: bool) -> str:
    """Join the row of `table` (as `alias`) that started last among those `where` picks
    (written over alias y): one backward descent of the (..., started_at) index.

    On PostgreSQL a LATERAL subquery, so a partitioned log is pruned to the months up
    to the instant and read newest first; elsewhere the same row by its id.
    """
    pick = f"SELECT y.* FROM {table} y WHERE {where} ORDER BY y.started_at DESC LIMIT 1"  # noqa: S608
    join = "LEFT JOIN" if left else "JOIN"
    if connection.vendor == "postgresql":
        return f"{join} LATERAL ({pick}) {alias} ON true "
    return f"{join} {table} {alias} ON {alias}.id = (SELECT id FROM ({pick})) "  # noqa: S608


def _session_statement(candidates: int) -> str:
    """session_at's statement for this many candidate lengths.

    Every length an address of its family could be held at is a (length, start key)
    row; joining them with SessionPrefixLength keeps only the lengths in use (kept by
    the services that write sessions, so a /60 works the day the first one is
    imported), and each of those is one descent of session_range_start to the latest
    session that started by `at`.
    """
    key = (connection.vendor, candidates)
    if key not in _SESSION_SQL:
        reader = rawsql.row_reader(Session, Account, Subscriber)
        if connection.vendor == "postgresql":
            # Two comma-separated texts: a short statement of few parameters, which
            # psycopg keeps parsed, and no per-element quoting of an array parameter.
            candidates_sql = (
                "SELECT * FROM unnest(string_to_array(%s, ',')::integer[], string_to_array(%s, ','))"
            )
        else:
            candidates_sql = "VALUES " + ", ".join(["(%s, %s)"] * candidates)
        # Column names come from the models' own metadata; every value is a parameter.
        _SESSION_SQL[key] = (
            f"WITH v(prefix_len, start_key) AS ({candidates_sql}), "  # noqa: S608
            # Materialized, so the lengths in use are picked first and only they are
            # probed (inlined, the planner probes every candidate and filters after).
            "c AS MATERIALIZED (SELECT v.prefix_len, v.start_key FROM v "
            "JOIN subscribers_sessionprefixlength l ON l.prefix_len = v.prefix_len) "
            f"SELECT {reader.columns('x', 'a', 's')} FROM c "
            + _latest(
                "subscribers_session",
                "x",
                "y.ip_start_key = c.start_key AND y.prefix_len = c.prefix_len AND y.started_at <= %s",
                left=False,
            )
            + "JOIN subscribers_account a ON a.id = x.account_id "
            "JOIN subscribers_subscriber s ON s.id = a.subscriber_id "
            "ORDER BY c.prefix_len DESC"
        )
    return _SESSION_SQL[key]


def session_at_statement(*, ip: IP, at: datetime) -> tuple[str, list]:
    """(sql, params) of the one statement session_at runs for this address and instant."""
    address = ipkeys.parse_ip(ip)
    lengths = range(128, _V4_MIN_LEN - 1, -1) if address.version == 4 else range(128, -1, -1)
    pairs = ipkeys.start_keys(address, lengths)
    params: list = []
    if connection.vendor == "postgresql":
        params += (",".join(str(n) for n, _key in pairs), ",".join(key for _n, key in pairs))
    else:
        for pair in pairs:
            params += pair
    params.append(connection.ops.adapt_datetimefield_value(at))
    return _session_statement(len(lengths)), params


def sessions_at(*, ip: IP, at: datetime) -> list[Session]:
    """Every session that held `ip` (or a prefix containing it) at instant `at`, the
    most specific first: at most one per prefix length in use.

    A session covers started_at <= at < stopped_at; at a handover the instant belongs
    to the new holder. One statement: the latest session by `at` on every prefix
    length in use that contains the address (histories on one range never overlap,
    so an earlier session on the same range cannot cover the instant).
    """
    _check_aware(at)
    return list(memoized(("sessions_at", str(ip), at), lambda: _sessions_at(ip=ip, at=at)))


def _sessions_at(*, ip: IP, at: datetime) -> list[Session]:
    reader = rawsql.row_reader(Session, Account, Subscriber)
    found = []
    for row in rawsql.fetch(*session_at_statement(ip=ip, at=at)):
        (session, account, subscriber), _rest = reader.read(row)
        if session.stopped_at is None or at < session.stopped_at:
            account.subscriber = subscriber
            account.read_at = at  # its subscriber at `at`: Account.subscriber_changed_after_read
            session.account = account
            found.append(session)
    return found


def one_holder(sessions: list[Session]) -> bool:
    """Whether the sessions covering one instant are all one account's. Nested ranges
    of two accounts (a /64 whose Stop was lost inside a /56 now another's, a building's
    /56 with a /64 per flat) leave the address's holder at that instant unknown."""
    return len({s.account_id for s in sessions}) <= 1


def session_at(*, ip: IP, at: datetime) -> Session | None:
    """The session that held `ip` (or a delegated prefix containing it) at instant `at`:
    the most specific, when the sessions covering the instant are all one account's.

    None when no session covers it, or when nested sessions of two accounts do (see
    sessions_at, one_holder): which of them sent would be a guess. One statement.
    """
    found = sessions_at(ip=ip, at=at)
    return found[0] if found and one_holder(found) else None


def sessions_inside(*, prefix: str, at: datetime, limit: int = 20) -> list[Session]:
    """Sessions on ranges strictly inside `prefix` that held them at instant `at`,
    newest first (at most `limit`): one range read of session_range_start over the
    prefix's keys. For a prefix no session covers although its holder's session log
    names a part of it (the WAN /64 of a customer's /56)."""
    _check_aware(at)
    start_key, end_key, length = ipkeys.range_key(prefix)
    rows = (
        Session.objects.filter(
            ip_start_key__gte=start_key, ip_start_key__lte=end_key, prefix_len__gt=length, started_at__lte=at
        )
        .filter(Q(stopped_at__isnull=True) | Q(stopped_at__gt=at))
        .select_related("account__subscriber")
        .order_by("-started_at")[:limit]
    )
    found = list(rows)
    for session in found:
        session.account.read_at = at  # its subscriber at `at`: Account.subscriber_changed_after_read
    return found


_BLOCK_SQL: dict[str, str] = {}


def _block_statement() -> str:
    """block_for's statement: the block with its account, the account's holder and the
    sub-allocation's holder, as select_related would read them (column names from the
    models' own metadata)."""
    if connection.vendor not in _BLOCK_SQL:
        reader = rawsql.row_reader(AddressBlock, Account, Subscriber, Subscriber)
        _BLOCK_SQL[connection.vendor] = (
            f"SELECT {reader.columns('b', 'a', 's', 't')} FROM {AddressBlock._meta.db_table} b "  # noqa: S608
            f"LEFT JOIN {Account._meta.db_table} a ON a.id = b.account_id "
            f"LEFT JOIN {Subscriber._meta.db_table} s ON s.id = a.subscriber_id "
            f"LEFT JOIN {Subscriber._meta.db_table} t ON t.id = b.sub_allocated_to_id "
            "WHERE b.start_key <= %s AND b.end_key >= %s ORDER BY b.prefix_len DESC LIMIT 1"
        )
    return _BLOCK_SQL[connection.vendor]


def block_for(*, ip: IP) -> AddressBlock | None:
    """The most specific of our address blocks containing `ip`, or None (not ours).

    One hand-written statement (abusedesk.rawsql): it runs for nearly every report,
    and through the ORM compiling it cost more than running it."""
    key = ipkeys.ip_key(ip)
    return memoized(("block_for", key), lambda: _block_for(key))


def _block_for(key: str) -> AddressBlock | None:
    for row in rawsql.fetch(_block_statement(), [key, key]):
        (block, account, holder, sub_holder), _rest = rawsql.row_reader(
            AddressBlock, Account, Subscriber, Subscriber
        ).read(row)
        if account is not None:
            account.subscriber = holder
        block.account = account
        block.sub_allocated_to = sub_holder
        return block
    return None


def is_own_mail_server(ip: IP) -> bool:
    key = ipkeys.ip_key(ip)
    # Asked of every hop of every report: by hand, as compiling it cost more than running it.
    table = AddressBlock._meta.db_table
    sql = f"SELECT 1 FROM {table} WHERE kind = %s AND start_key <= %s AND end_key >= %s LIMIT 1"  # noqa: S608
    return bool(rawsql.fetch(sql, [str(BlockKind.MAIL_SERVERS), key, key]))


@dataclass(frozen=True)
class AttributionHit:
    """What the inventory says about one address at one instant.

    reason: dynamic_session, static_block, sub_allocation, transit, hosting_block, mail_servers,
    infrastructure, not_ours, no_session (a dynamic pool address nobody held then), shared
    (an IPv4 address shared by subscribers: only a port can name one, see shared_address_at),
    holder_changed (a static or hosting block assigned to its present account only after
    `at`, with no session of that time: who held it then is not recorded),
    nested_sessions (sessions of two accounts on nested ranges, a prefix and a range
    inside it, both held the address at `at`: nobody is named).

    The block and the account carry the instant they were read for (read_at): a
    sub-allocation or transit block whose holder changed after it, or an account that
    passed to its present subscriber after it, names no customer (`subscriber` is None).
    """

    block: AddressBlock | None
    session: Session | None
    account: Account | None
    reason: str

    @property
    def subscriber(self) -> Subscriber | None:
        """The customer responsible: the account's holder or the sub-allocation holder, as
        at the instant of the lookup (None when the present one took over after it)."""
        if self.account is not None:
            return None if self.account.subscriber_changed_after_read else self.account.subscriber
        if self.block is not None and self.reason in ("sub_allocation", "transit"):
            return None if self.block.holder_changed_after_read else self.block.sub_allocated_to
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
    """Who held `ip` at instant `at`: the session log's holder, or the address plan's.

    The plan dates only its present assignments (AddressBlock.holder_since,
    Account.subscriber_since): before those dates it names nobody, and the hit's
    block and account carry `at` to say so (see AttributionHit).
    """
    _check_aware(at)
    block = block_for(ip=ip)
    if block is not None:
        block.read_at = at
        if block.account is not None:
            block.account.read_at = at
    if block is None or block.kind == BlockKind.DYNAMIC:
        # A session outside every known block still names its holder: the session log
        # is the stronger record when the address plan is incomplete.
        sessions = sessions_at(ip=ip, at=at)
        if not one_holder(sessions):
            return AttributionHit(block, None, None, "nested_sessions")
        if sessions:
            return AttributionHit(block, sessions[0], sessions[0].account, "dynamic_session")
        return AttributionHit(block, None, None, "not_ours" if block is None else "no_session")
    if block.kind == BlockKind.STATIC:
        sessions = sessions_at(ip=ip, at=at)
        if not one_holder(sessions):
            return AttributionHit(block, None, None, "nested_sessions")
        session = sessions[0] if sessions else None
        if session is not None and session.account_id != block.account_id:
            # The session log dates each lease. A line made static after the spam was
            # someone else's lease at the time the log records.
            return AttributionHit(block, session, session.account, "dynamic_session")
        if session is None and block.holder_changed_after_read:
            # Assigned to its present line after the spam, and no session says whose it
            # was then: naming today's holder would name someone who did not hold it.
            return AttributionHit(block, None, None, "holder_changed")
        return AttributionHit(block, session, block.account, "static_block")
    if block.kind == BlockKind.HOSTING and block.holder_changed_after_read:
        return AttributionHit(block, None, None, "holder_changed")
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


def _hosted_names_statement(names: list[str]) -> tuple[str, list]:
    """The hosting accounts' names among `names`, with account and holder: one
    hand-written statement (abusedesk.rawsql), as it runs several times per report."""
    reader = rawsql.row_reader(HostedName, Account, Subscriber)
    if connection.vendor == "postgresql":
        among, params = "= ANY(%s)", [names]  # one statement text for any number of names
    else:
        among, params = f"IN ({', '.join(['%s'] * len(names))})", list(names)
    sql = (
        f"SELECT {reader.columns('h', 'a', 's')} FROM {HostedName._meta.db_table} h "  # noqa: S608
        f"JOIN {Account._meta.db_table} a ON a.id = h.account_id "
        f"JOIN {Subscriber._meta.db_table} s ON s.id = a.subscriber_id "
        f"WHERE h.name {among} AND a.kind = %s"
    )
    return sql, [*params, AccountKind.HOSTING.value]


def hosting_account_for_host(*, host: str) -> Account | None:
    """The hosting account serving `host`: the exact name, else the nearest parent domain.

    Among accounts listing the same name, an active one wins over suspended or closed.
    """
    return hosting_accounts_for_hosts([host]).get(host)


def hosting_accounts_for_hosts(hosts: Iterable[str]) -> dict[str, Account]:
    """`hosting_account_for_host` for many hosts in one query: host -> account, for the
    hosts a hosting account serves (the others are left out)."""
    hosts = tuple(hosts)
    return dict(memoized(("hosting_accounts_for_hosts", hosts), lambda: _hosting_accounts_for_hosts(hosts)))


def _hosting_accounts_for_hosts(hosts: tuple[str, ...]) -> dict[str, Account]:
    candidates = {host: _host_candidates(host) for host in hosts}
    names = sorted(set().union(*candidates.values())) if candidates else []
    if not names:
        return {}
    reader = rawsql.row_reader(HostedName, Account, Subscriber)
    hits = []
    for row in rawsql.fetch(*_hosted_names_statement(names)):
        (hit, account, holder), _rest = reader.read(row)
        account.subscriber = holder
        hit.account = account
        hits.append(hit)
    found = {}
    for host, wanted in candidates.items():
        mine = [h for h in hits if h.name in wanted]
        if mine:
            best = min(mine, key=lambda h: (wanted.index(h.name), h.account.status != AccountStatus.ACTIVE))
            # The site as the inventory names it: the shortest of the account's registered
            # names that cover host (shop.example for www.shop.example, both registered).
            best.account.hosted_name = min(
                (h.name for h in mine if h.account.pk == best.account.pk), key=lambda n: (len(n), n)
            )
            found[host] = best.account
    return found


def mail_submissions(
    *,
    login: str | None = None,
    client_ip: IP | None = None,
    message_id: str | None = None,
    queue_id: str | None = None,
    around: datetime,
    window: timedelta,
) -> QuerySet[MailLogEntry]:
    """Authenticated submissions within `window` either side of `around`, oldest first.

    At least one of login, client_ip, message_id, queue_id is required so the read uses
    an index. message_id is matched with or without angle brackets.
    """
    _check_aware(around)
    if not (login or client_ip or message_id or queue_id):
        raise ValueError("give at least one of login, client_ip, message_id, queue_id")
    entries = MailLogEntry.objects.filter(
        kind=MailLogKind.SUBMISSION, at__gte=around - window, at__lte=around + window
    )
    if login:
        entries = entries.filter(login=login)
    if client_ip:
        entries = entries.filter(client_key=ipkeys.ip_key(client_ip))
    if message_id:
        entries = entries.filter(message_id=message_id.strip().strip("<>"))
    if queue_id:
        entries = entries.filter(queue_id=queue_id)
    return entries.order_by("at")


def login_client_addresses(*, logins: list[str], around: datetime, window: timedelta) -> list[str]:
    """The client addresses a mail login was used from (POP/IMAP/webmail logins and
    submissions) within `window` either side of `around`: one login from many places at
    once is a stolen password."""
    _check_aware(around)
    if not logins:
        return []
    rows = (
        MailLogEntry.objects.filter(login__in=logins, at__gte=around - window, at__lte=around + window)
        .exclude(client_ip="")
        .values_list("client_ip", flat=True)
        .distinct()[:200]
    )
    return [str(ip) for ip in rows]


def login_network_seen(
    *, logins: list[str], client_ip: IP, since: datetime, until: datetime, recent: timedelta
) -> bool | None:
    """Whether a mail login was used from the client's network (its /24, or /48 for
    IPv6) between `since` and the first use from it in the `recent` time before `until`
    (a thief's own use in the last days is not the account's history); None when the log
    holds nothing of the login before then (nothing to compare with). The desk has no
    geolocation: a network the login never used is how "a login from an unusual
    country" is told (prevention's volume detection counts new networks the same way).
    Three index reads on (login, time)."""
    _check_aware(since)
    if not logins:
        return None
    key = ipkeys.ip_key(client_ip)
    net = key[:30] if key.startswith("00000000000000000000ffff") else key[:12]
    used = MailLogEntry.objects.filter(login__in=logins).exclude(client_key="")
    lately = used.filter(at__gte=until - recent, at__lte=until, client_key__startswith=net)
    start = lately.order_by("at").values_list("at", flat=True).first() or until
    before = used.filter(at__gte=since, at__lt=start)
    if not before.exists():
        return None
    return before.filter(client_key__startswith=net).exists()


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


_NAT_SQL: dict[str, str] = {}


def nat_block_statement() -> str:
    """The statement nat_block_at runs: the two highest port starts of the address in
    lowest..ceiling, each with its latest allocation by `at` (account and subscriber
    joined), and the largest block size.

    Each start is two descents of the (address_key, port_start, started_at) index;
    asking for two answers in one round trip the case where the highest start's
    block had stopped (the gap between two holders) or had not started yet.
    Parameters: nat_block_params().
    """
    if connection.vendor not in _NAT_SQL:
        reader = rawsql.row_reader(NatPortBlock, Account, Subscriber)
        floor = "v.port_start >= coalesce(%s, %s + 1 - (SELECT biggest FROM m))"
        # Each start is a scalar subquery ordered by the index with LIMIT 1 (a max()
        # joined with anything else would read every allocation of the range instead).
        _NAT_SQL[connection.vendor] = (
            "WITH m(biggest) AS (SELECT max(z.size) FROM subscribers_natportblocksize z), "  # noqa: S608
            "s1(port_start) AS (SELECT (SELECT v.port_start FROM subscribers_natportblock v "
            f"WHERE v.address_key = %s AND v.port_start <= %s AND {floor} "
            "ORDER BY v.port_start DESC LIMIT 1)), "
            "s2(port_start) AS (SELECT (SELECT v.port_start FROM subscribers_natportblock v "
            f"WHERE v.address_key = %s AND v.port_start < (SELECT port_start FROM s1) AND {floor} "
            "ORDER BY v.port_start DESC LIMIT 1)), "
            "starts(rank, port_start) AS "
            "(SELECT 1, port_start FROM s1 UNION ALL SELECT 2, port_start FROM s2) "
            f"SELECT {reader.columns('b', 'a', 's')}, starts.port_start, m.biggest "
            "FROM m CROSS JOIN starts "
            + _latest(
                "subscribers_natportblock",
                "b",
                "y.address_key = %s AND y.port_start = starts.port_start AND y.started_at <= %s",
                left=True,
            )
            + "LEFT JOIN subscribers_account a ON a.id = b.account_id "
            "LEFT JOIN subscribers_subscriber s ON s.id = a.subscriber_id "
            "ORDER BY starts.rank"
        )
    return _NAT_SQL[connection.vendor]


def nat_block_params(*, address_key: str, port: int, ceiling: int, at: datetime, lowest: int | None) -> list:
    at_param = connection.ops.adapt_datetimefield_value(at)
    return [
        address_key, ceiling, lowest, port,
        address_key, lowest, port,
        address_key, at_param,
    ]  # fmt: skip


def nat_block_at(*, ip: IP, port: int, at: datetime) -> NatPortBlock | None:
    """The port block of a shared address that held `port` at instant `at`, or None.

    Allocations on one address never give one port to two accounts at once (the import
    refuses it), so the block is among the port starts within the largest block size
    below the port, highest first. One statement looks at the two highest; each
    further pair of lower starts (block sizes that changed over time) is one more.
    """
    _check_aware(at)
    key = ipkeys.ip_key(ip)
    reader = rawsql.row_reader(NatPortBlock, Account, Subscriber)
    sql = nat_block_statement()
    lowest = None
    ceiling = port
    while True:
        rows = rawsql.fetch(
            sql, nat_block_params(address_key=key, port=port, ceiling=ceiling, at=at, lowest=lowest)
        )
        start = None
        for row in rows:
            (block, account, subscriber), (start, biggest) = reader.read(row)
            if biggest is None or start is None:
                return None  # no port blocks at all, or no lower start within reach
            if (
                block is not None
                and block.port_end >= port
                and (block.stopped_at is None or at < block.stopped_at)
            ):
                account.subscriber = subscriber
                account.read_at = at  # its subscriber at `at`: Account.subscriber_changed_after_read
                block.account = account
                return block
        lowest = max(0, port - biggest + 1)
        ceiling = start - 1
        if ceiling < lowest:
            return None


@dataclass(frozen=True)
class SharedHit:
    """Who used (shared address, port) at an instant, and how we know.

    how: "natlog" (a port-block row, and the session log's holder of its inside address
    when the row keeps one), "natlog_inside" (a port-block row whose inside address had
    passed from the account it was allocated to, `allocated_to`, to another: the CGN
    keeps a block per inside address, not per subscriber), "map_e" (the mapping rule to
    an IPv6 prefix, then the session log), or None when nobody can be named; reason
    says why then: no_port, port_outside_port_sets, no_port_block, no_session,
    inside_not_held (no session held the block's inside address then), nested_sessions
    (sessions of two accounts on nested ranges held the inside address or the prefix),
    sessions_in_prefix (no session covers the MAP-E prefix and those inside it are
    several accounts'). `held` is the span over which the records used all held.
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
    inside_address: str | None = None
    allocated_to: Account | None = None
    held: HeldSpan | None = None

    @property
    def identified(self) -> bool:
        return self.account is not None


@dataclass(frozen=True)
class HeldSpan:
    """From when (inclusive) to when (exclusive; None: still) records all held."""

    started_at: datetime
    stopped_at: datetime | None


def _span(*records) -> HeldSpan:
    stops = [r.stopped_at for r in records if r.stopped_at is not None]
    return HeldSpan(max(r.started_at for r in records), min(stops) if stops else None)


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


def _port_block_holder(address: str, port: int, row: NatPortBlock, at: datetime) -> SharedHit:
    """Who used a port block at `at`: a row from a NAT syslog keeps the inside address
    the CGN allocated it to, and the CGN keeps that block while the inside address has
    flows (or for an idle timeout), also after a RADIUS server gave the address to the
    next subscriber. So the holder is the session log's holder of the inside address at
    `at`, not the one of the allocation; none, or two on nested ranges: nobody."""
    inside = row.inside_address
    try:
        holders = sessions_at(ip=inside, at=at) if inside else None
    except ValueError:
        holders = None  # not an address: nothing to check the allocation against
    if holders is None:
        return SharedHit(address, port, row.account, "natlog", nat_block=row, held=_span(row))
    if not one_holder(holders):
        return SharedHit(address, port, None, None, "nested_sessions", nat_block=row, inside_address=inside)
    if not holders:
        return SharedHit(
            address, port, None, None, "inside_not_held", nat_block=row, inside_address=inside,
            allocated_to=row.account,
        )  # fmt: skip
    session = holders[0]
    if session.account_id == row.account_id:
        return SharedHit(
            address, port, row.account, "natlog", nat_block=row, session=session, inside_address=inside,
            held=_span(row, session),
        )  # fmt: skip
    return SharedHit(
        address, port, session.account, "natlog_inside", nat_block=row, session=session,
        inside_address=inside, allocated_to=row.account, held=_span(row, session),
    )  # fmt: skip


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
        return _port_block_holder(address, port, row, at)
    psid = rule.psid(port)
    if psid is None:
        return SharedHit(address, port, None, None, "port_outside_port_sets")
    prefix = rule.end_user_prefix(ipkeys.parse_ip(address), port)
    where = {"ipv6_prefix": str(prefix), "psid": psid}
    sessions = sessions_at(ip=prefix.network_address, at=at)
    if not one_holder(sessions):
        return SharedHit(address, port, None, None, "nested_sessions", **where)
    if not sessions:
        # The session log may name only a part of the customer's prefix (the WAN /64 a
        # CE took from it, not its first /64): the prefix's holder is that part's, when
        # the parts held then are one account's.
        sessions = sessions_inside(prefix=str(prefix), at=at)
        if not one_holder(sessions):
            return SharedHit(address, port, None, None, "sessions_in_prefix", **where)
    if not sessions:
        return SharedHit(address, port, None, None, "no_session", **where)
    session = sessions[0]
    return SharedHit(address, port, session.account, "map_e", session=session, held=_span(session), **where)
