"""The housekeeping sweep: delete rows whose purpose has passed, in small batches.

Delivered outbox deliveries and then the events left with none, idempotency records past their
retention, rate-limit windows long over, and login sessions that expired long ago (with their
refresh tokens). Failed deliveries (and so their events) are kept for an operator. It runs at
most once an hour per worker process; every step is idempotent, so several workers running it
do no harm."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.models import (
    AuthSession,
    IdempotencyRecord,
    OutboxDelivery,
    OutboxMessage,
    RateBucket,
    RefreshToken,
)
from backend.models import table as t
from backend.worker.registry import current_settings, register_sweep

BATCH = 5000
EVERY = timedelta(hours=1)

_outbox, _deliveries = t(OutboxMessage), t(OutboxDelivery)
_idem, _rate = t(IdempotencyRecord), t(RateBucket)
_sessions, _refresh = t(AuthSession), t(RefreshToken)

_lock = threading.Lock()
_last_run: datetime | None = None


def _delete_batch(
    session: Session, tbl: sa.Table, pk: sa.Column[object], where: sa.ColumnElement[bool]
) -> int:
    """Delete up to BATCH rows matching ``where`` (a subquery: DELETE … LIMIT is not portable)."""
    ids = sa.select(pk).where(where).limit(BATCH).scalar_subquery()
    result = session.execute(tbl.delete().where(pk.in_(ids)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune(session: Session, now: datetime, settings: Settings) -> int:
    """One round of pruning; returns the number of rows deleted."""
    kept_since = now - timedelta(days=settings.outbox_retention_days)
    deleted = _delete_batch(
        session,
        _deliveries,
        _deliveries.c.id,
        sa.and_(_deliveries.c.sent_at.is_not(None), _deliveries.c.sent_at < kept_since),
    )
    # An event goes with its last delivery (or, if no consumer wanted it, after the same time);
    # one with a delivery still pending or failed stays.
    remaining = sa.select(_deliveries.c.id).where(_deliveries.c.event_id == _outbox.c.id)
    deleted += _delete_batch(
        session,
        _outbox,
        _outbox.c.id,
        sa.and_(_outbox.c.created_at < kept_since, ~remaining.exists()),
    )
    deleted += _delete_batch(
        session,
        _idem,
        _idem.c.id,
        _idem.c.created_at < now - timedelta(hours=settings.idempotency_retention_hours),
    )
    # The longest rate window is an hour (public submissions); a day leaves a wide margin.
    longest = max(settings.login_window_seconds, 3600)
    deleted += _delete_batch(
        session,
        _rate,
        _rate.c.key,
        _rate.c.window_start < now - timedelta(seconds=2 * longest, days=1),
    )
    expired = sa.select(_sessions.c.id).where(
        _sessions.c.expires_at < now - timedelta(days=settings.session_retention_days)
    )
    gone = [r for (r,) in session.execute(expired.limit(BATCH))]
    if gone:
        session.execute(_refresh.delete().where(_refresh.c.session_id.in_(gone)))
        result = session.execute(_sessions.delete().where(_sessions.c.id.in_(gone)))
        deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return deleted


def housekeeping_sweep(session: Session, now: datetime) -> int:
    global _last_run
    with _lock:
        if _last_run is not None and now - _last_run < EVERY:
            return 0
        _last_run = now
    return prune(session, now, current_settings())


register_sweep("housekeeping.prune", housekeeping_sweep)
