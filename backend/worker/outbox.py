"""Writing events to the outbox; claiming their deliveries with a lease, and recording how
each delivery went.

An event is one ``outbox`` row; each consumer that wants its topic (see
:mod:`backend.worker.registry`) gets one ``outbox_deliveries`` row, written with it in the
caller's transaction. Claims, leases, retries and failures are per delivery, so one consumer
failing never delays or repeats another.

A claim is a lease: the claimer writes its id and moves ``available_at`` to the end of the
lease. While the lease runs nobody else sees the delivery as due; if the claimer dies, it falls
due again when the lease ends and another worker claims it. So "due" stays one predicate,
``sent_at IS NULL AND failed_at IS NULL AND available_at <= now``, a range on
``ix_outbox_deliveries_due``.

On PostgreSQL the claim locks the deliveries it picks (not their events, which other consumers'
deliveries share) with ``FOR UPDATE OF … SKIP LOCKED``: concurrent workers pick disjoint rows
without waiting for each other. SQLite has one writer at a time (the claim runs in a write
transaction), so the same statement without the locking clause is safe.

Finishing (sent, retry, failed) is conditional on still holding the claim, so a worker whose
lease ran out cannot overwrite the outcome of the worker that took the delivery over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.models import OutboxDelivery, OutboxMessage, table
from backend.worker import registry

_events = table(OutboxMessage)
_deliveries = table(OutboxDelivery)
ERROR_MAX = 2000


# --- writing -------------------------------------------------------------------------------


def enqueue(
    session: Session,
    topic: str,
    payload: Mapping[str, Any],
    now: datetime,
    *,
    available_at: datetime | None = None,
) -> int:
    """Record an event and a delivery for each consumer of its topic, in the caller's
    transaction (which commits or rolls back with the change that caused it). Returns its id."""
    [event_id] = enqueue_many(session, [(topic, payload)], now, available_at=available_at)
    return event_id


def enqueue_many(
    session: Session,
    events: Iterable[tuple[str, Mapping[str, Any]]],
    now: datetime,
    *,
    available_at: datetime | None = None,
) -> list[int]:
    """:func:`enqueue` for many events at once (two statements, for the sweeps)."""
    todo = list(events)
    if not todo:
        return []
    ids = list(
        session.execute(
            _events.insert().returning(_events.c.id, sort_by_parameter_order=True),
            [
                {"topic": topic, "payload": dict(payload), "created_at": now}
                for topic, payload in todo
            ],
        ).scalars()
    )
    routes = {topic: registry.consumers_for(topic) for topic in {topic for topic, _ in todo}}
    due = available_at or now
    deliveries = [
        {"event_id": event_id, "consumer": name, "available_at": due, "attempts": 0}
        for event_id, (topic, _) in zip(ids, todo, strict=True)
        for name in routes[topic]
    ]
    if deliveries:
        session.execute(_deliveries.insert(), deliveries)
    return ids


# --- delivering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery and its event, detached from any session (delivery happens in fresh
    transactions)."""

    id: int  # the delivery's
    event_id: int
    consumer: str
    topic: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int  # including this one

    def as_message(self) -> OutboxMessage:
        return OutboxMessage(
            id=self.event_id, topic=self.topic, payload=self.payload, created_at=self.created_at
        )


def claim(
    session: Session,
    settings: Settings,
    worker_id: str,
    now: datetime,
    consumers: Sequence[str],
    limit: int,
) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries of the given consumers (caller commits)."""
    if not consumers or limit <= 0:
        return []
    d, e = _deliveries, _events
    rows = session.execute(
        sa.select(
            d.c.id, d.c.event_id, d.c.consumer, d.c.attempts, e.c.topic, e.c.payload, e.c.created_at
        )
        .join(e, e.c.id == d.c.event_id)
        .where(
            d.c.sent_at.is_(None),
            d.c.failed_at.is_(None),
            d.c.available_at <= now,
            d.c.consumer.in_(list(consumers)),
        )
        .order_by(d.c.available_at, d.c.id)
        .limit(limit)
        # Only the deliveries: another worker may be claiming this event for another consumer.
        .with_for_update(skip_locked=True, of=d)
    ).all()
    if not rows:
        return []
    # A delivery whose earlier leases all ran out (its worker died each time, perhaps because
    # of the event itself) has used its attempts: it is failed, not tried again.
    spent = {r.id for r in rows if r.attempts >= settings.outbox_max_attempts}
    if spent:
        session.execute(
            d.update()
            .where(d.c.id.in_(spent))
            .values(
                failed_at=now,
                claimed_by=None,
                last_error=sa.func.coalesce(d.c.last_error, "lease expired"),
            )
        )
    live = [r for r in rows if r.id not in spent]
    if not live:
        return []
    session.execute(
        d.update()
        .where(d.c.id.in_([r.id for r in live]))
        .values(
            claimed_by=worker_id,
            claimed_at=now,
            available_at=now + timedelta(seconds=settings.outbox_lease_seconds),
            attempts=d.c.attempts + 1,
        )
    )
    return [
        Claimed(
            r.id, r.event_id, r.consumer, r.topic, dict(r.payload), r.created_at, r.attempts + 1
        )
        for r in live
    ]


def _held(delivery_id: int, worker_id: str) -> sa.ColumnElement[bool]:
    d = _deliveries
    return sa.and_(d.c.id == delivery_id, d.c.claimed_by == worker_id, d.c.sent_at.is_(None))


def mark_sent(session: Session, delivery_id: int, worker_id: str, now: datetime) -> bool:
    """Record success; False when the claim was lost (the caller must roll back)."""
    result = session.execute(
        _deliveries.update()
        .where(_held(delivery_id, worker_id))
        # claimed_by stays: it records which worker delivered it.
        .values(sent_at=now, last_error=None)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def backoff(settings: Settings, attempts: int) -> timedelta:
    seconds = settings.outbox_backoff_seconds * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.outbox_backoff_max_seconds))


def mark_failed_attempt(
    session: Session, settings: Settings, item: Claimed, worker_id: str, now: datetime, error: str
) -> bool:
    """Record a failed attempt: retry after a backoff, or give up after the last attempt.
    Returns True when the delivery is now failed for good."""
    dead = item.attempts >= settings.outbox_max_attempts
    values: dict[str, Any] = {"claimed_by": None, "last_error": error[:ERROR_MAX]}
    if dead:
        values["failed_at"] = now
    else:
        values["available_at"] = now + backoff(settings, item.attempts)
    session.execute(_deliveries.update().where(_held(item.id, worker_id)).values(**values))
    return dead
