"""Reads: the mail log summed per login and clock hour (set-based SQL), and the
current opt-in filtering state of a subscriber.

A run of consecutive hours is one statement whatever the number of lines: the lines
counted per login and hour (index maillog_at); for the login-hours with enough lines to
cross a limit, the figures and the client networks new to the login, by a window over
its distinct (login, network, hour) triples, where only a pair's first hour in the run
probes the 30 days before it (index maillog_login_at). Only the login-hours over a
limit reach Python. No Python loop over lines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import TruncHour

from subscribers.choices import MailLogKind
from subscribers.models import MailLogEntry

HOUR = timedelta(hours=1)
# No geolocation data here: "a new country" is approximated by "a client network the
# login did not use in the 30 days before": a /24 for IPv4, a /48 for IPv6.
NETWORK_HISTORY = timedelta(days=30)
IPV4_KEY_PREFIX = "00000000000000000000ffff"  # ::ffff:0:0/96 in ipkeys' 32 hex digits
IPV4_NET_DIGITS = 30  # 96 + 24 bits = 120 bits = 30 hex digits
IPV6_NET_DIGITS = 12  # 48 bits
# A run of hours longer than this is split: each statement reads at most this much log.
LONGEST_RUN = timedelta(days=31)
NETWORK_BASIS = "new /24 (IPv4) or /48 (IPv6) client networks not seen for the login in the 30 days before"


@dataclass(frozen=True)
class LoginHour:
    login: str
    hour: datetime
    messages: int = 0
    recipients: int = 0
    domains: int = 0
    unknown: int = 0
    addresses: int = 0
    new_networks: int = 0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["hour"] = self.hour.isoformat()
        return data


def hour_runs(hours, *, longest: timedelta = LONGEST_RUN) -> list[tuple[datetime, datetime]]:
    """Consecutive clock hours as [start, end) runs of at most `longest`: one statement each."""
    runs: list[list[datetime]] = []
    for hour in sorted(set(hours)):
        if runs and hour == runs[-1][1] and hour - runs[-1][0] < longest:
            runs[-1][1] = hour + HOUR
        else:
            runs.append([hour, hour + HOUR])
    return [(start, end) for start, end in runs]


def _dialect() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "hour": "floor(extract(epoch FROM {col}) / 3600)::bigint",
            "stamp": "to_timestamp(({hour}) * 3600)",
            "domain": "lower(substr(recipient, strpos(recipient, '@') + 1))",
        }
    # SQLite keeps UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]', compared as text. The hour
    # is cut from the text: its date functions round to the millisecond, which would
    # put 10:59:59.9999 into the hour of 11:00.
    return {
        "hour": "(CAST(strftime('%%s', substr({col}, 1, 13) || ':00:00') AS INTEGER) / 3600)",
        "stamp": "strftime('%%Y-%%m-%%d %%H:%%M:%%S', ({hour}) * 3600, 'unixepoch')",
        "domain": "lower(substr(recipient, instr(recipient, '@') + 1))",
    }


def login_hours_over(*, start: datetime, end: datetime, criteria) -> tuple[int, list[LoginHour]]:
    """The login-hours from `start` to `end` (aware, clock hours) that cross a limit of
    the criteria, and how many login-hours were active in all.

    One statement. Every login-hour is counted by its lines; only those with at least
    fewest_lines(criteria) lines (a few in a million in an ISP's log) are summed in
    detail, from their own rows (index maillog_login_at). The new networks of those
    logins come from a window over their distinct (login, network, hour) triples in
    the run, where the hour before in the run is `lag()`, and only a pair's first
    hour in the run probes the 30 days before the run (index maillog_login_at). Only
    the crossing rows reach Python.

    (Summing every login-hour in detail took 30 s of a 10-million-line import: two
    sorts of every row and a count of distinct values per group of one or two lines.)"""
    table = MailLogEntry._meta.db_table
    sql = _dialect()
    hour = sql["hour"].format(col="at")
    history_hours = int(NETWORK_HISTORY / HOUR)
    domain = sql["domain"]
    history_start = sql["stamp"].format(hour=f"seq.h - {history_hours}")
    net = (
        f"CASE WHEN client_key LIKE '{IPV4_KEY_PREFIX}%%' THEN substr(client_key, 1, {IPV4_NET_DIGITS}) "
        f"ELSE substr(client_key, 1, {IPV6_NET_DIGITS}) END"
    )
    hour_start = sql["stamp"].format(hour="c.h")
    hour_end = sql["stamp"].format(hour="c.h + 1")
    query = f"""
        WITH active AS (
            SELECT login, {hour} AS h, count(*) AS n FROM {table}
            WHERE at >= %s AND at < %s AND login <> ''
            GROUP BY login, {hour}
        ),
        candidates AS (SELECT login, h FROM active WHERE n >= %s),
        fig AS (
            SELECT t.login, c.h,
                count(CASE WHEN t.kind = %s THEN 1 END) AS messages,
                count(CASE WHEN t.kind = %s THEN 1 END) AS recipients,
                count(DISTINCT CASE WHEN t.kind = %s AND t.recipient LIKE '%%@%%' THEN {domain} END)
                    AS domains,
                count(CASE WHEN t.kind = %s AND t.unknown_recipient THEN 1 END) AS unknown,
                count(DISTINCT t.client_key) AS addresses
            FROM candidates c JOIN {table} t
              ON t.login = c.login AND t.at >= {hour_start} AND t.at < {hour_end}
            GROUP BY t.login, c.h
        ),
        pairs AS (
            SELECT DISTINCT login, {net} AS net, {hour} AS h FROM {table}
            WHERE at >= %s AND at < %s AND login IN (SELECT login FROM candidates)
        ),
        seq AS (
            SELECT login, net, h, lag(h) OVER (PARTITION BY login, net ORDER BY h) AS prev FROM pairs
        ),
        fresh AS (
            SELECT login, h, count(*) AS n FROM seq
            WHERE CASE WHEN prev IS NOT NULL THEN prev < h - {history_hours}
                ELSE NOT EXISTS (
                    SELECT 1 FROM {table} e
                    WHERE e.login = seq.login AND e.at >= {history_start}
                      AND e.at < %s AND e.client_key LIKE seq.net || '%%'
                ) END
            GROUP BY login, h
        ),
        joined AS (
            SELECT f.login, f.h, f.messages, f.recipients, f.domains, f.unknown, f.addresses,
                coalesce(fresh.n, 0) AS new_networks
            FROM fig f LEFT JOIN fresh ON fresh.login = f.login AND fresh.h = f.h
        )
        SELECT (SELECT count(*) FROM active), j.login, j.h, j.messages, j.recipients, j.domains,
            j.unknown, j.addresses, j.new_networks
        FROM (SELECT 1 AS one) o LEFT JOIN joined j ON (
            j.messages >= %s OR j.recipients >= %s OR j.domains >= %s
            OR (j.recipients >= %s AND j.unknown * 100 >= %s * j.recipients)
            OR j.new_networks >= %s OR j.addresses >= %s
        )
        ORDER BY j.h, j.login
    """  # noqa: S608 (table name and constants only; values are parameters)
    stamp = connection.ops.adapt_datetimefield_value
    params = [
        stamp(start),
        stamp(end),
        fewest_lines(criteria),
        MailLogKind.SUBMISSION,
        MailLogKind.RECIPIENT,
        MailLogKind.RECIPIENT,
        MailLogKind.RECIPIENT,
        stamp(start),
        stamp(end),
        stamp(start),
        criteria.volume_messages,
        criteria.volume_recipients,
        criteria.volume_domains,
        criteria.volume_unknown_minimum,
        criteria.volume_unknown_percent,
        criteria.volume_new_networks,
        criteria.volume_addresses,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The statement's estimated cost (one probe per login and network) makes
            # PostgreSQL compile it with LLVM, about a second of every run, for a plan
            # that runs once over rows just read; the interpreter is as fast here.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(query, params)
        rows = cursor.fetchall()
    total = rows[0][0] if rows else 0
    found = [
        LoginHour(
            login=login,
            hour=datetime.fromtimestamp(h * 3600, UTC),
            messages=messages,
            recipients=recipients,
            domains=domains,
            unknown=unknown,
            addresses=addresses,
            new_networks=new_networks,
        )
        for _total, login, h, messages, recipients, domains, unknown, addresses, new_networks in rows
        if login is not None
    ]
    return total, found


def fewest_lines(criteria) -> int:
    """The fewest log lines a login needs in an hour to cross any limit of the criteria:
    each figure counts lines (messages, recipients) or distinct values among them
    (domains, addresses, networks), so it is at most the login-hour's line count. The
    unknown-recipient share needs its minimum of recipients. Login-hours with fewer
    lines (nearly all of them) are counted, never summed in detail."""
    return max(
        0,
        min(
            criteria.volume_messages,
            criteria.volume_recipients,
            criteria.volume_domains,
            criteria.volume_unknown_minimum,
            criteria.volume_new_networks,
            criteria.volume_addresses,
        ),
    )


def signals_crossed(figures: LoginHour, criteria) -> list[str]:
    """The limits of the criteria (a CriteriaSet or its snapshot) this login-hour crossed."""
    crossed = []
    if (
        figures.messages >= criteria.volume_messages
        or figures.recipients >= criteria.volume_recipients
        or figures.domains >= criteria.volume_domains
    ):
        crossed.append("submission_volume")
    if (
        figures.recipients >= criteria.volume_unknown_minimum
        and figures.unknown * 100 >= criteria.volume_unknown_percent * figures.recipients
    ):
        crossed.append("unknown_recipient_share")
    if figures.new_networks >= criteria.volume_new_networks:
        crossed.append("new_networks")
    if figures.addresses >= criteria.volume_addresses:
        crossed.append("many_client_addresses")
    return crossed


def hours_after(*, last_id: int, limit: int) -> tuple[list[datetime], int]:
    """The UTC hours of mail-log rows with id > last_id (at most `limit` rows, in id
    order), and the highest id among them: the periodic detection's next slice."""
    newer = MailLogEntry.objects.filter(pk__gt=last_id).order_by()
    upper_id = next(iter(newer.order_by("pk").values_list("pk", flat=True)[limit - 1 : limit]), None)
    if upper_id is None:
        upper_id = newer.aggregate(top=Max("pk"))["top"]
    if upper_id is None:
        return [], last_id
    hours = (
        newer.filter(pk__lte=upper_id)
        .annotate(hour=TruncHour("at", tzinfo=UTC))
        .values_list("hour", flat=True)
        .distinct()
    )
    return sorted(set(hours)), upper_id


def filtering_latest(subscriber):
    """The subscriber's latest consent record (consent or withdrawal), or None."""
    from .models import FilteringConsent

    return FilteringConsent.objects.filter(subscriber=subscriber).order_by("-recorded_at", "-id").first()


def filtering_history(subscriber):
    from .models import FilteringConsent

    return (
        FilteringConsent.objects.filter(subscriber=subscriber)
        .select_related("recorded_by", "instruction", "case")
        .order_by("-recorded_at", "-id")
    )
