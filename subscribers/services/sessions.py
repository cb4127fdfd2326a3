"""Sessions: which connection account held an address or prefix, from when to when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from subscribers import ipkeys
from subscribers.choices import AccountKind, SessionSource
from subscribers.models import Account, Session, SessionPrefixLength
from subscribers.services.common import InventoryError, Outcome, aware, choice


@dataclass(frozen=True)
class SessionResult:
    session: Session
    outcome: Outcome
    notes: tuple[str, ...] = ()


def _ts(value: datetime | None) -> str:
    return value.isoformat() if value else "open"


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

    Re-recording the same session is UNCHANGED. Another account's session still open on
    the same range is closed at started_at (a lost Stop; reported as a note). Any other
    overlap with another account is refused: two holders at one instant would make the
    attribution a guess.
    """
    _session_validate(account, started_at, stopped_at)
    source = choice(source, SessionSource, "source")
    try:
        start_key, _end, length = ipkeys.range_key(ip)
        address = str(ipkeys.parse_ip_or_prefix(ip))
    except ValueError as exc:
        raise InventoryError(str(exc)) from None

    overlapping = _overlapping(start_key, length, started_at, stopped_at)
    own = [s for s in overlapping if s.account_id == account.pk]
    others = [s for s in overlapping if s.account_id != account.pk]
    notes: list[str] = []
    to_close: list[Session] = []
    for other in sorted(others, key=lambda s: s.started_at):
        if stopped_at is not None and other.started_at >= stopped_at:
            continue
        if other.stopped_at is None and other.started_at < started_at:
            to_close.append(other)
        elif other.started_at > started_at and stopped_at is None:
            # An older open session imported after a newer one: it ended when the next began.
            stopped_at = other.started_at
            notes.append(f"closed at {_ts(stopped_at)}, when {_describe(other)} began on {address}")
        else:
            raise InventoryError(
                f"{address} overlaps the session of {_describe(other)}; two holders at one instant"
            )

    identical = next((s for s in own if s.started_at == started_at), None)
    if identical is not None:
        return _session_update_stop(identical, stopped_at)
    if own:
        return SessionResult(own[0], Outcome.UNCHANGED)

    with transaction.atomic():
        for other in to_close:
            other.stopped_at = started_at
            other.save(update_fields=["stopped_at"])
            notes.append(f"implicitly closed {address} for {_describe(other)}")
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
    return SessionResult(session, Outcome.CREATED, tuple(notes))


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
