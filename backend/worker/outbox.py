"""Claiming outbox rows with a lease, and recording how their delivery went.

A claim is a lease: the claimer writes its id and moves ``available_at`` to the end of the
lease. While the lease runs nobody else sees the row as due; if the claimer dies, the row falls
due again when the lease ends and another worker claims it. So "due" stays one predicate,
``sent_at IS NULL AND available_at <= now``, a range on the (sent_at, available_at) index.

On PostgreSQL the claim locks the rows it picks with ``FOR UPDATE SKIP LOCKED``: concurrent
workers pick disjoint rows without waiting for each other. SQLite has one writer at a time (the
claim runs in a write transaction), so the same statement without the locking clause is safe.

Finishing (sent, retry, failed) is conditional on still holding the claim, so a worker whose
lease ran out cannot overwrite the outcome of the worker that took the row over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.models import OutboxMessage, table

_outbox = table(OutboxMessage)
ERROR_MAX = 2000


@dataclass(frozen=True)
class Claimed:
    """A claimed row, detached from any session (delivery happens in fresh transactions)."""

    id: int
    topic: str
    payload: dict[str, Any]
    attempts: int  # including this one

    def as_message(self) -> OutboxMessage:
        return OutboxMessage(
            id=self.id, topic=self.topic, payload=self.payload, attempts=self.attempts
        )


def _topic_filter(prefixes: Sequence[str]) -> sa.ColumnElement[bool]:
    return sa.or_(*[_outbox.c.topic.startswith(p, autoescape=True) for p in prefixes])


def claim(
    session: Session,
    settings: Settings,
    worker_id: str,
    now: datetime,
    prefixes: Sequence[str],
    limit: int,
) -> list[Claimed]:
    """Claim up to ``limit`` due rows with the given topic prefixes (caller commits)."""
    if not prefixes or limit <= 0:
        return []
    rows = session.execute(
        sa.select(_outbox.c.id, _outbox.c.topic, _outbox.c.payload, _outbox.c.attempts)
        .where(
            _outbox.c.sent_at.is_(None),
            _outbox.c.available_at <= now,
            _outbox.c.failed_at.is_(None),
            _topic_filter(prefixes),
        )
        .order_by(_outbox.c.available_at, _outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return []
    # A row whose earlier leases all ran out (its worker died each time, perhaps because of the
    # row itself) has used its attempts: it is failed, not tried again.
    spent = [r.id for r in rows if r.attempts >= settings.outbox_max_attempts]
    if spent:
        session.execute(
            _outbox.update()
            .where(_outbox.c.id.in_(spent))
            .values(
                failed_at=now,
                claimed_by=None,
                last_error=sa.func.coalesce(_outbox.c.last_error, "lease expired"),
            )
        )
    live = [r for r in rows if r.id not in set(spent)]
    if not live:
        return []
    session.execute(
        _outbox.update()
        .where(_outbox.c.id.in_([r.id for r in live]))
        .values(
            claimed_by=worker_id,
            claimed_at=now,
            available_at=now + timedelta(seconds=settings.outbox_lease_seconds),
            attempts=_outbox.c.attempts + 1,
        )
    )
    return [Claimed(r.id, r.topic, dict(r.payload), r.attempts + 1) for r in live]


def _held(row_id: int, worker_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        _outbox.c.id == row_id, _outbox.c.claimed_by == worker_id, _outbox.c.sent_at.is_(None)
    )


def mark_sent(session: Session, row_id: int, worker_id: str, now: datetime) -> bool:
    """Record success; False when the claim was lost (the caller must roll back)."""
    result = session.execute(
        _outbox.update()
        .where(_held(row_id, worker_id))
        # claimed_by stays: it records which worker delivered the row.
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
    Returns True when the row is now failed for good."""
    dead = item.attempts >= settings.outbox_max_attempts
    values: dict[str, Any] = {"claimed_by": None, "last_error": error[:ERROR_MAX]}
    if dead:
        values["failed_at"] = now
    else:
        values["available_at"] = now + backoff(settings, item.attempts)
    session.execute(_outbox.update().where(_held(item.id, worker_id)).values(**values))
    return dead
