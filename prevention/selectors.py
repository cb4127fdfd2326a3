"""Reads: one clock hour of the mail log summed per login (set-based SQL), and the
current opt-in filtering state of a subscriber.

The hour's figures are computed by the database in two statements whatever the
number of lines: one GROUP BY login over the hour (index maillog_login_at's `at`),
one over the distinct (login, client network) pairs of the hour with a NOT EXISTS
probe of the 30 days before (index maillog_login_at). No Python loop over lines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Count, Max, Q, Value
from django.db.models.functions import Lower, StrIndex, Substr, TruncHour

from subscribers.choices import MailLogKind
from subscribers.models import MailLogEntry

HOUR = timedelta(hours=1)
# No geolocation data here: "a new country" is approximated by "a client network the
# login did not use in the 30 days before": a /24 for IPv4, a /48 for IPv6.
NETWORK_HISTORY = timedelta(days=30)
IPV4_KEY_PREFIX = "00000000000000000000ffff"  # ::ffff:0:0/96 in ipkeys' 32 hex digits
IPV4_NET_DIGITS = 30  # 96 + 24 bits = 120 bits = 30 hex digits
IPV6_NET_DIGITS = 12  # 48 bits
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


def login_hour_figures(*, hour: datetime) -> list[LoginHour]:
    """Every login active in the clock hour starting at `hour` (aware, UTC), with its figures."""
    end = hour + HOUR
    rows = (
        MailLogEntry.objects.filter(at__gte=hour, at__lt=end)
        .exclude(login="")
        .values("login")
        .annotate(
            messages=Count("pk", filter=Q(kind=MailLogKind.SUBMISSION)),
            recipients=Count("pk", filter=Q(kind=MailLogKind.RECIPIENT)),
            unknown=Count("pk", filter=Q(kind=MailLogKind.RECIPIENT, unknown_recipient=True)),
            domains=Count(
                Lower(Substr("recipient", StrIndex("recipient", Value("@")) + 1)),
                distinct=True,
                filter=Q(kind=MailLogKind.RECIPIENT, recipient__contains="@"),
            ),
            addresses=Count("client_key", distinct=True),
        )
        .order_by()
    )
    new = new_networks_per_login(hour=hour)
    return [LoginHour(hour=hour, new_networks=new.get(r["login"], 0), **r) for r in rows]


def new_networks_per_login(*, hour: datetime) -> dict[str, int]:
    """Per login, client networks of the hour that the login did not use in the 30 days before."""
    table = MailLogEntry._meta.db_table
    net = (
        f"CASE WHEN client_key LIKE '{IPV4_KEY_PREFIX}%%' THEN substr(client_key, 1, {IPV4_NET_DIGITS}) "
        f"ELSE substr(client_key, 1, {IPV6_NET_DIGITS}) END"
    )
    sql = f"""
        SELECT p.login, count(*) FROM (
            SELECT DISTINCT login, {net} AS net FROM {table}
            WHERE at >= %s AND at < %s AND login <> ''
        ) p
        WHERE NOT EXISTS (
            SELECT 1 FROM {table} e
            WHERE e.login = p.login AND e.at >= %s AND e.at < %s AND e.client_key LIKE p.net || '%%'
        )
        GROUP BY p.login
    """  # noqa: S608 (table name and constants only; values are parameters)
    with connection.cursor() as cursor:
        # Adapted as the ORM would: SQLite compares the stored text form.
        stamps = [hour, hour + HOUR, hour - NETWORK_HISTORY, hour]
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(t) for t in stamps])
        return dict(cursor.fetchall())


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
