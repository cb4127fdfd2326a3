"""The volume figures of a run of hours (one set-based statement) against a plain
computation over the same mail-log rows: per login and clock hour the messages,
recipients, unknown recipients, recipient domains, client addresses, and the client
networks the login did not use in the 30 days before that hour.

The rows straddle hour edges, the 30-day edge and the edges between runs, so a wrong
bucket, an off-by-one hour in the history or a history that ignores the run before
shows as a different figure."""

from __future__ import annotations

import ipaddress
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from prevention.selectors import HOUR, NETWORK_HISTORY, fewest_lines, hour_runs, login_hours_over
from subscribers.choices import MailLogKind
from subscribers.ipkeys import ip_key
from subscribers.models import MailLogEntry

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 1, tzinfo=UTC)
# Every limit at zero: every active login-hour "crosses", so all figures come back.
EVERYTHING = SimpleNamespace(
    volume_messages=0,
    volume_recipients=0,
    volume_domains=0,
    volume_unknown_minimum=0,
    volume_unknown_percent=0,
    volume_new_networks=0,
    volume_addresses=0,
)
# 60 IPv4 /24s and 20 IPv6 /48s, two hosts in each: a login's next address is often in
# a network it used before, often not.
ADDRESSES = [f"198.51.{n}.{host}" for n in range(60) for host in (7, 200)] + [
    f"2001:db8:{n:x}:{subnet}::5" for n in range(20) for subnet in ("1", "ffff")
]


def _network(address: str) -> str:
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _moments(rng: random.Random, count: int) -> list[datetime]:
    """Instants over 40 days, a third of them on or next to an hour's edge, and some
    exactly 30 days after an earlier one (the history's edge)."""
    out: list[datetime] = []
    for _ in range(count):
        pick = rng.random()
        hour = START + timedelta(hours=rng.randrange(40 * 24))
        if pick < 0.15:
            out.append(hour)
        elif pick < 0.3:
            out.append(hour - timedelta(microseconds=1))
        elif pick < 0.45 and out:
            out.append(rng.choice(out) + NETWORK_HISTORY + rng.choice([-HOUR, timedelta(0), HOUR]))
        else:
            out.append(hour + timedelta(seconds=rng.randrange(3600), microseconds=rng.randrange(10**6)))
    return out


def _rows(seed: int) -> list[MailLogEntry]:
    rng = random.Random(seed)
    rows = []
    for n, at in enumerate(_moments(rng, 900)):
        kind = rng.choice(
            [MailLogKind.SUBMISSION, MailLogKind.RECIPIENT, MailLogKind.RECIPIENT, MailLogKind.LOGIN]
        )
        address = rng.choice(ADDRESSES)
        recipient = ""
        if kind == MailLogKind.RECIPIENT:
            recipient = rng.choice(
                ["a@One.example", "b@one.example", "c@two.example", "no-domain", "d@x@y.example"]
            )
        rows.append(
            MailLogEntry(
                kind=kind,
                service="smtp" if kind != MailLogKind.LOGIN else "imap",
                login=rng.choice(["alice", "bob", ""]),
                client_ip=address,
                client_key=ip_key(address),
                at=at,
                queue_id=f"Q{n}",
                host="mail1",
                recipient=recipient,
                unknown_recipient=kind == MailLogKind.RECIPIENT and rng.random() < 0.3,
                raw_line=f"line {n}",
            )
        )
    return rows


def _expected(rows, start: datetime, end: datetime) -> dict[tuple[str, datetime], dict]:
    """The figures computed row by row, as the criteria define them."""
    hour_of = lambda at: at.replace(minute=0, second=0, microsecond=0)  # noqa: E731
    groups: dict[tuple[str, datetime], list] = defaultdict(list)
    for row in rows:
        if row.login and start <= row.at < end:
            groups[(row.login, hour_of(row.at))].append(row)
    out = {}
    for (login, hour), members in groups.items():
        recipients = [r for r in members if r.kind == MailLogKind.RECIPIENT]
        history = {
            _network(r.client_ip) for r in rows if r.login == login and hour - NETWORK_HISTORY <= r.at < hour
        }
        out[(login, hour)] = {
            "messages": sum(r.kind == MailLogKind.SUBMISSION for r in members),
            "recipients": len(recipients),
            "unknown": sum(r.unknown_recipient for r in recipients),
            "domains": len({r.recipient.split("@", 1)[1].lower() for r in recipients if "@" in r.recipient}),
            "addresses": len({r.client_key for r in members}),
            "new_networks": len({_network(r.client_ip) for r in members} - history),
        }
    return out


def _figures(start: datetime, end: datetime, longest: timedelta) -> tuple[int, dict]:
    hours = []
    hour = start
    while hour < end:
        hours.append(hour)
        hour += HOUR
    total, found = 0, {}
    for run_start, run_end in hour_runs(hours, longest=longest):
        active, over = login_hours_over(start=run_start, end=run_end, criteria=EVERYTHING)
        total += active
        for f in over:
            found[(f.login, f.hour)] = {
                "messages": f.messages,
                "recipients": f.recipients,
                "unknown": f.unknown,
                "domains": f.domains,
                "addresses": f.addresses,
                "new_networks": f.new_networks,
            }
    return total, found


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("longest", [timedelta(days=31), timedelta(hours=7)], ids=["one-run", "7-hour-runs"])
def test_the_figures_of_a_run_are_those_of_the_rows(seed, longest):
    rows = _rows(seed)
    MailLogEntry.objects.bulk_create(rows)
    # Detect over the last 20 days only: the 20 before are history.
    start, end = START + timedelta(days=20), START + timedelta(days=40)

    total, found = _figures(start, end, longest)

    expected = _expected(rows, start, end)
    assert len(expected) > 100
    assert sum(1 for f in expected.values() if f["new_networks"]) > 10
    assert sum(1 for f in expected.values() if not f["new_networks"]) > 10
    assert total == len(expected)
    assert found == expected


def test_only_login_hours_over_a_limit_reach_python_and_all_are_counted():
    rows = _rows(3)
    MailLogEntry.objects.bulk_create(rows)
    start, end = START, START + timedelta(days=40)
    expected = _expected(rows, start, end)
    limits = SimpleNamespace(**{**vars(EVERYTHING), "volume_messages": 2, "volume_recipients": 10**6})
    limits.volume_domains = limits.volume_unknown_minimum = limits.volume_addresses = 10**6
    limits.volume_new_networks = 10**6

    total, over = login_hours_over(start=start, end=end, criteria=limits)

    assert total == len(expected)
    assert {(f.login, f.hour) for f in over} == {k for k, f in expected.items() if f["messages"] >= 2}
    assert [(f.hour, f.login) for f in over] == sorted((f.hour, f.login) for f in over)


def test_runs_are_consecutive_hours_and_never_longer_than_the_limit():
    hours = [START + HOUR * n for n in (0, 1, 2, 5, 6, 9, 10, 11, 12)]
    assert hour_runs(hours, longest=timedelta(hours=3)) == [
        (START, START + 3 * HOUR),
        (START + 5 * HOUR, START + 7 * HOUR),
        (START + 9 * HOUR, START + 12 * HOUR),
        (START + 12 * HOUR, START + 13 * HOUR),
    ]
    assert hour_runs([]) == []


@pytest.mark.parametrize(
    "limit, figure",
    [
        ("volume_messages", "messages"),
        ("volume_recipients", "recipients"),
        ("volume_domains", "domains"),
        ("volume_addresses", "addresses"),
        ("volume_new_networks", "new_networks"),
    ],
)
def test_the_login_hours_over_one_limit_come_back_with_all_their_figures(limit, figure):
    # Only login-hours with at least as many lines as the lowest limit are summed in
    # detail; their figures (new networks against hours that were not) must not change.
    start, end = START + timedelta(days=20), START + timedelta(days=25)
    # The 20 days after the history folded into 5 (a few lines per login-hour) after a
    # history of one day (networks often new).
    rows = [row for row in _rows(4) + _rows(5) if row.at >= start - timedelta(days=1)]
    for row in rows:
        if row.at >= start:
            row.at = start + (row.at - start) % (end - start)
    MailLogEntry.objects.bulk_create(rows)
    expected = _expected(rows, start, end)
    limits = SimpleNamespace(**{name: 10**6 for name in vars(EVERYTHING)})
    limits.volume_unknown_percent = 0
    setattr(limits, limit, 2)

    total, over = login_hours_over(start=start, end=end, criteria=limits)

    crossing = {k: f for k, f in expected.items() if f[figure] >= 2}
    assert 5 < len(crossing) < len(expected) - 5
    assert total == len(expected)
    assert {
        (f.login, f.hour): {name: getattr(f, name) for name in next(iter(expected.values()))} for f in over
    } == crossing


def test_the_fewest_lines_that_can_cross_a_limit():
    limits = SimpleNamespace(**{name: 50 for name in vars(EVERYTHING)})
    assert fewest_lines(limits) == 50
    limits.volume_new_networks = 3
    assert fewest_lines(limits) == 3
    limits.volume_unknown_minimum = 0  # the share alone, from the first recipient: every login-hour
    assert fewest_lines(limits) == 0
