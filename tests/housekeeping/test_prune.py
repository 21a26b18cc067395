"""The housekeeping sweep deletes exactly what has served its purpose, and nothing else."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.housekeeping import sweeps
from backend.models import (
    AuthSession,
    IdempotencyRecord,
    OutboxDelivery,
    OutboxMessage,
    RateBucket,
    RefreshToken,
)
from tests.factories import World


def _outbox(db: Session, now: datetime, *deliveries: dict[str, object]) -> int:
    """An event created at ``now`` with one delivery per dict of fields (consumer a, b, …)."""
    event = OutboxMessage(topic="ticket.test", payload={}, created_at=now)
    db.add(event)
    db.flush()
    assert event.id is not None
    for i, fields in enumerate(deliveries):
        db.add(OutboxDelivery(event_id=event.id, consumer="abc"[i], available_at=now, **fields))
    db.flush()
    return event.id


def _delivered(db: Session) -> dict[int, set[str]]:
    """Every remaining event, with the consumers of its remaining deliveries."""
    out: dict[int, set[str]] = {e: set() for e in db.execute(sa.select(OutboxMessage.id)).scalars()}  # type: ignore[call-overload]
    for event_id, consumer in db.execute(
        sa.select(OutboxDelivery.event_id, OutboxDelivery.consumer)  # type: ignore[call-overload]
    ):
        out[event_id].add(consumer)
    return out


def _session(db: Session, world: World, expires_at: datetime) -> str:
    sid = str(uuid.uuid4())
    db.add(AuthSession(id=sid, user_id=world["college_staff"].user.id, expires_at=expires_at))
    db.flush()
    db.add(RefreshToken(jti=str(uuid.uuid4()), session_id=sid, expires_at=expires_at))
    db.flush()
    return sid


def test_prune_deletes_only_what_is_past_its_retention(
    db: Session, world: World, settings: Settings, clock: FrozenClock
) -> None:
    now = clock.now()  # the world's own sessions are live now
    long_ago = now - timedelta(days=settings.outbox_retention_days + 1)
    sent_old = _outbox(db, long_ago, {"sent_at": long_ago})
    sent_recent = _outbox(db, now, {"sent_at": now - timedelta(days=1)})
    pending_old = _outbox(db, long_ago, {})  # never delivered: kept
    failed_old = _outbox(db, long_ago, {"failed_at": long_ago, "last_error": "550"})  # operator's
    # one consumer done long ago, the other not yet: the event stays with what is left to do
    partly_old = _outbox(db, long_ago, {"sent_at": long_ago}, {})
    nobodys_old = _outbox(db, long_ago)  # no consumer wanted it: goes after the same time
    nobodys_recent = _outbox(db, now)

    idem_age = timedelta(hours=settings.idempotency_retention_hours + 1)
    db.add_all(
        [
            IdempotencyRecord(principal="p", key="old", fingerprint="f", created_at=now - idem_age),
            IdempotencyRecord(principal="p", key="new", fingerprint="f", created_at=now),
            RateBucket(key="old-window", count=3, window_start=now - timedelta(days=3)),
            RateBucket(key="live-window", count=3, window_start=now - timedelta(minutes=5)),
        ]
    )
    gone_session = _session(db, world, now - timedelta(days=settings.session_retention_days + 1))
    live_session = _session(db, world, now + timedelta(days=1))
    db.flush()

    deleted = sweeps.prune(db, now, settings)

    left = _delivered(db)
    assert sent_old not in left
    assert nobodys_old not in left
    assert left == {
        sent_recent: {"a"},
        pending_old: {"a"},
        failed_old: {"a"},
        partly_old: {"b"},
        nobodys_recent: set(),
    }
    assert set(db.execute(sa.select(IdempotencyRecord.key)).scalars()) == {"new"}  # type: ignore[call-overload]
    assert set(db.execute(sa.select(RateBucket.key)).scalars()) == {"live-window"}  # type: ignore[call-overload]
    sessions = set(db.execute(sa.select(AuthSession.id)).scalars())  # type: ignore[call-overload]
    assert gone_session not in sessions
    assert live_session in sessions
    tokens = set(db.execute(sa.select(RefreshToken.session_id)).scalars())  # type: ignore[call-overload]
    assert gone_session not in tokens
    assert live_session in tokens
    assert deleted == (2 + 2) + 1 + 1 + 1  # (deliveries + events), idempotency, rate, session
    assert sweeps.prune(db, now, settings) == 0  # nothing left to do


def test_the_sweep_runs_at_most_hourly(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweeps, "_last_run", None)
    now = datetime(2026, 6, 1, 12, 0).astimezone()
    old = now - timedelta(days=settings.outbox_retention_days + 1)
    _outbox(db, old, {"sent_at": old})
    assert sweeps.housekeeping_sweep(db, now) == 2  # the delivery and its event
    _outbox(db, old, {"sent_at": old})
    assert sweeps.housekeeping_sweep(db, now + timedelta(minutes=30)) == 0  # not yet
    assert sweeps.housekeeping_sweep(db, now + timedelta(minutes=61)) == 2
