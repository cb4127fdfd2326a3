"""Sessions: which connection account held an address or prefix, from when to when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.db import transaction

from subscribers import ipkeys
from subscribers.choices import AccountKind, SessionSource
from subscribers.models import Account, Session, SessionPrefixLength
from subscribers.services.common import CLOCK_SKEW, InventoryError, Outcome, aware, choice


@dataclass(frozen=True)
class SessionResult:
    session: Session
    outcome: Outcome
    notes: tuple[str, ...] = ()


def _ts(value: datetime | None) -> str:
    # In UTC: a stored time reads back in UTC, one just given keeps its offset, and a
    # note naming both ("00:00+00:00 – 12:00+09:00") would seem to end before it began.
    return value.astimezone(UTC).isoformat() if value else "open"


def _describe(session: Session) -> str:
    return f"account {session.account.account_id} ({_ts(session.started_at)} – {_ts(session.stopped_at)})"


def session_prefix_length_register(*, prefix_len: int) -> None:
    """Record that sessions of this length exist, so session_at probes it."""
    SessionPrefixLength.objects.get_or_create(prefix_len=prefix_len)


def _overlapping(key: str, length: int, start: datetime, stop: datetime | None) -> list[Session]:
    # Histories on one range do not overlap across accounts (this module refuses it),
    # so the few latest sessions before `start` and the first few after it are all that
    # can overlap; both reads are index range scans, never the address's whole history.
    same_range = Session.objects.filter(ip_start_key=key, prefix_len=length)
    before = same_range.filter(started_at__lte=start).order_by("-started_at")[:5]
    after = same_range.filter(started_at__gt=start)
    if stop is not None:
        after = after.filter(started_at__lt=stop)
    candidates = list(before) + list(after.order_by("started_at")[:5])
    return [s for s in candidates if s.stopped_at is None or s.stopped_at > start]


def _session_validate(account: Account, started_at: datetime, stopped_at: datetime | None) -> None:
    if account.kind != AccountKind.CONNECTION:
        raise InventoryError(
            f"account {account.account_id} is a {account.kind} account, not a connection account"
        )
    aware(started_at, "start")
    if stopped_at is not None:
        aware(stopped_at, "stop")
        if stopped_at < started_at:
            raise InventoryError(f"stop {stopped_at.isoformat()} is before start {started_at.isoformat()}")


def session_record(
    *,
    account: Account,
    ip: str,
    started_at: datetime,
    stopped_at: datetime | None = None,
    source: str = SessionSource.CSV,
    radius_session_id: str = "",
) -> SessionResult:
    """Record that `account` held `ip` (an address or a delegated prefix) from started_at.

    Re-recording the same session is UNCHANGED; an open record never moves a stop already
    stored. Another session still open on the same range since before started_at, another
    account's or another accounting session of this account (_another_session), ended at
    the latest when this one began (its Stop was lost): it is closed at started_at, with
    the other open rows of its accounting session (_rows_of_session), and a note. Two
    sessions of different accounts on the range overlapping by no more than CLOCK_SKEW
    (two access servers' clocks) are cut: the earlier one ends when the later began (a
    note). Any other overlap with another account is refused: two holders at one instant
    would make the attribution a guess. A range inside or around another account's
    session open at started_at is recorded with a note (a building's /56 with a /64 per
    flat is legitimate; a /64 whose Stop was lost is not): while both hold, the lookup
    names neither.
    """
    _session_validate(account, started_at, stopped_at)
    source = choice(source, SessionSource, "source")
    try:
        start_key, _end, length = ipkeys.range_key(ip)
        address = str(ipkeys.parse_ip_or_prefix(ip))
    except ValueError as exc:
        raise InventoryError(str(exc)) from None

    overlapping = _overlapping(start_key, length, started_at, stopped_at)
    # The account's rows of another session on the range take turns with this one as
    # another account's would; two rows of one session are the same holding.
    own = [
        s
        for s in overlapping
        if s.account_id == account.pk and not _another_session(s, started_at, radius_session_id, source)
    ]
    others = [s for s in overlapping if s not in own]
    given_stop = stopped_at
    notes: list[str] = []
    to_close: list[Session] = []
    to_cut: list[Session] = []
    for other in sorted(others, key=lambda s: s.started_at):
        if stopped_at is not None and other.started_at >= stopped_at:
            continue
        if other.stopped_at is None and other.started_at < started_at:
            to_close.append(other)
        elif other.started_at > started_at and stopped_at is None:
            # An older open session imported after a newer one: it ended when the next began.
            stopped_at = other.started_at
            notes.append(f"closed at {_ts(stopped_at)}, when {_describe(other)} began on {address}")
        elif other.account_id == account.pk:
            # Rows of two sessions of one account that overlap with their stops known say
            # nothing of a lost Stop, and name the same holder: left as they are.
            own.append(other)
        elif other.started_at > started_at and stopped_at - other.started_at <= CLOCK_SKEW:
            # This session's Stop is stamped seconds after the next holder's Start: two
            # clocks. Its hours before are its holder's all the same.
            notes.append(
                f"stop {_ts(stopped_at)} cut to {_ts(other.started_at)}, when {_describe(other)} began "
                f"on {address} (an overlap within the {int(CLOCK_SKEW.total_seconds())} s clock skew)"
            )
            stopped_at = other.started_at
        elif other.started_at < started_at and other.stopped_at - started_at <= CLOCK_SKEW:
            to_cut.append(other)  # the same, the earlier session stored first
        else:
            raise InventoryError(
                f"{address} overlaps the session of {_describe(other)}; two holders at one instant"
            )

    identical = next((s for s in own if s.started_at == started_at), None)
    if identical is not None:
        if given_stop is None and identical.stopped_at is not None:
            # A Start read again: the end its Stop (or the next Start) gave stays.
            return SessionResult(identical, Outcome.UNCHANGED)
        return replace(_session_update_stop(identical, stopped_at), notes=tuple(notes))
    if own:
        return SessionResult(own[0], Outcome.UNCHANGED)

    with transaction.atomic():
        for other in to_close:
            other.stopped_at = started_at
            other.save(update_fields=["stopped_at"])
            if other.account_id == account.pk:
                notes.append(_lost_stop_note(other, other, address))
            else:
                notes.append(f"implicitly closed {address} for {_describe(other)}")
            for row in _rows_of_session(other, started_at):
                notes.append(
                    _lost_stop_note(row, other, address)
                    if other.account_id == account.pk
                    else f"implicitly closed {row.address} for {_describe(row)}, of the same session "
                    f"{other.radius_session_id} as {address}"
                )
        for other in to_cut:
            cut_from = other.stopped_at
            other.stopped_at = started_at
            other.save(update_fields=["stopped_at"])
            notes.append(
                f"stop {_ts(cut_from)} of {_describe(other)} cut to {_ts(started_at)}, when this session "
                f"began on {address} (an overlap within the {int(CLOCK_SKEW.total_seconds())} s clock skew)"
            )
        session_prefix_length_register(prefix_len=length)
        session = Session.objects.create(
            account=account,
            ip_start_key=start_key,
            prefix_len=length,
            address=address,
            started_at=started_at,
            stopped_at=stopped_at,
            source=source,
            radius_session_id=radius_session_id,
        )
    notes += _nested_notes(session)
    return SessionResult(session, Outcome.CREATED, tuple(notes))


def _another_session(row: Session, started_at: datetime, radius_session_id: str, source: str) -> bool:
    """Whether the account's `row` on the range is of another session than a record
    beginning at started_at. RADIUS: another Acct-Session-Id (RFC 2866: one per session;
    without both ids an Interim-Update's start, its time less Acct-Session-Time, may be
    seconds off its Start's and cannot be told apart). CSV: one row is one session."""
    if row.started_at == started_at:
        return False
    if row.radius_session_id and radius_session_id:
        return row.radius_session_id != radius_session_id
    return not row.radius_session_id and not radius_session_id and row.source == source == SessionSource.CSV


def _rows_of_session(ended: Session, at: datetime) -> list[Session]:
    """Close at `at` the other open rows of the RADIUS accounting session `ended` was
    closed at `at` for: the routes and the prefix its Start opened with it (same id, same
    start) ended with the session, whether or not a later session names them again."""
    if not ended.radius_session_id or ended.source != SessionSource.RADIUS:
        return []
    rows = Session.objects.filter(
        account_id=ended.account_id,
        radius_session_id=ended.radius_session_id,
        source=SessionSource.RADIUS,
        started_at=ended.started_at,
        stopped_at__isnull=True,
    ).exclude(pk=ended.pk)
    found = list(rows)
    if found:
        rows.filter(pk__in=[s.pk for s in found]).update(stopped_at=at)
    for row in found:
        row.stopped_at = at
        row.account = ended.account
    return found


def _lost_stop_note(row: Session, ended: Session, address: str) -> str:
    session = f" {ended.radius_session_id}" if ended.radius_session_id else ""
    stop = "Stop" if ended.source == SessionSource.RADIUS else "stop"
    return (
        f"{row.address}: the earlier session{session} of {_describe(row)} had no {stop}; "
        f"ended when this session began on {address}"
    )


def _nested_notes(session: Session) -> list[str]:
    """Notes on other accounts' sessions holding a range around or inside the new one
    when it began: both claim the addresses they share, so the lookup names neither
    (selectors.one_holder) until one of them ends. Two index reads."""
    from subscribers import selectors

    at = session.started_at
    value = ipkeys.parse_ip_or_prefix(session.address)
    first = getattr(value, "network_address", value)
    around = [
        s
        for s in selectors.sessions_at(ip=first, at=at)
        if s.prefix_len < session.prefix_len and s.account_id != session.account_id
    ]
    inside = []
    if session.prefix_len < 128:
        inside = [
            s
            for s in selectors.sessions_inside(prefix=session.address, at=at, limit=5)
            if s.account_id != session.account_id
        ]
    notes = [
        f"{session.address} lies inside {s.address} of {_describe(s)}: nested ranges of two accounts, "
        "neither is named for its addresses while both hold them"
        for s in around
    ]
    notes += [
        f"{session.address} contains {s.address} of {_describe(s)}: nested ranges of two accounts, "
        "neither is named for its addresses while both hold them"
        for s in inside
    ]
    return notes


def _session_update_stop(session: Session, stopped_at: datetime | None) -> SessionResult:
    # An open record never reopens a closed session: re-importing a Start after its Stop
    # must leave the session as it is.
    if stopped_at is None or session.stopped_at == stopped_at:
        return SessionResult(session, Outcome.UNCHANGED)
    session.stopped_at = stopped_at
    session.save(update_fields=["stopped_at"])
    return SessionResult(session, Outcome.UPDATED)


def session_close(
    *,
    account: Account,
    ip: str,
    stopped_at: datetime,
    radius_session_id: str = "",
    session_time: int | None = None,
    source: str = SessionSource.RADIUS,
) -> SessionResult:
    """Close the open session a RADIUS Stop refers to.

    With no matching Start, the session is created from stopped_at minus session_time
    (Acct-Session-Time, seconds); without that the Stop cannot be placed in time.
    """
    _session_validate(account, stopped_at, None)
    try:
        start_key, _end, length = ipkeys.range_key(ip)
    except ValueError as exc:
        raise InventoryError(str(exc)) from None
    sessions = Session.objects.filter(
        account=account, ip_start_key=start_key, prefix_len=length, started_at__lte=stopped_at
    )
    if radius_session_id:
        sessions = sessions.filter(radius_session_id=radius_session_id)
    session = sessions.order_by("-started_at").first()
    if session is not None:
        if session.stopped_at is None or session.stopped_at == stopped_at:
            return _session_update_stop(session, stopped_at)
        if radius_session_id:
            # Closed earlier, e.g. implicitly when the next holder started: keep that end.
            note = f"session {radius_session_id} already closed at {_ts(session.stopped_at)}"
            return SessionResult(session, Outcome.UNCHANGED, (note,))
        if (
            session.stopped_at < stopped_at <= session.stopped_at + CLOCK_SKEW
            and (session_time is None or stopped_at - timedelta(seconds=session_time) < session.stopped_at)
        ):
            # No session id (a NAS that sends none), but this is the latest session's
            # Stop, seconds after the next holder's Start closed it: keep that end.
            note = (
                f"{_describe(session)} already closed at {_ts(session.stopped_at)}, when the next session "
                f"began; its Stop at {_ts(stopped_at)} is within the {int(CLOCK_SKEW.total_seconds())} s "
                "clock skew of that"
            )
            return SessionResult(session, Outcome.UNCHANGED, (note,))
    if session_time is None:
        raise InventoryError("Stop without a matching Start and without Acct-Session-Time")
    return session_record(
        account=account,
        ip=ip,
        started_at=stopped_at - timedelta(seconds=session_time),
        stopped_at=stopped_at,
        source=source,
        radius_session_id=radius_session_id,
    )


def session_close_accounting(
    *,
    account: Account,
    stopped_at: datetime,
    closed: Iterable[Session],
    radius_session_id: str = "",
    session_time: int | None = None,
) -> list[SessionResult]:
    """Close, at stopped_at, the rows of a RADIUS accounting session its Stop did not
    name: a NAS repeats Framed-IP-Address in the Stop, often not the Framed-Route /
    Framed-IPv6-Route or the delegated prefix of the Start, and the Stop ends them all.

    `closed` are the rows the Stop named (session_close's sessions). With an
    Acct-Session-Id, the session is the account's open rows of that id that began within
    it, i.e. no earlier than its earliest named row or stopped_at less session_time, less
    CLOCK_SKEW: a NAS that reuses ids after a reboot must not end an older session.
    Without an id, only the rows that began at the same instant as a named row (what one
    Start record opened): one login may hold two sessions at once.
    """
    _session_validate(account, stopped_at, None)
    named = [s for s in closed if s.account_id == account.pk and s.radius_session_id == radius_session_id]
    rows = Session.objects.filter(
        account=account,
        radius_session_id=radius_session_id,
        source=SessionSource.RADIUS,
        stopped_at__isnull=True,
        started_at__lte=stopped_at,
    )
    if radius_session_id:
        begins = [s.started_at for s in named]
        if session_time is not None:
            begins.append(stopped_at - timedelta(seconds=session_time))
        if not begins:
            return []
        rows = rows.filter(started_at__gte=min(begins) - CLOCK_SKEW)
    else:
        begins = {s.started_at for s in named}
        if not begins:
            return []
        rows = rows.filter(started_at__in=begins)
    open_rows = list(rows)
    if not open_rows:
        return []
    # One statement; the filter on started_at lets PostgreSQL prune the months' partitions.
    rows.filter(pk__in=[s.pk for s in open_rows]).update(stopped_at=stopped_at)
    for session in open_rows:
        session.stopped_at = stopped_at
    return [SessionResult(session, Outcome.UPDATED) for session in open_rows]
