"""Marks and watermarks: how the clock's sweeps act **once per ticket and deadline**, however
often they run and however many workers run them.

Before acting a sweep inserts a row into ``sla_marks``, unique on (ticket, kind, deadline), with
``ON CONFLICT DO NOTHING … RETURNING``; only the tickets whose mark it inserted are its to act
on. A mark is keyed by the deadline, so a new deadline (an extension, a re-dispatch, a reopen)
is reminded, urged and supervised afresh. The overdue-style sweeps read only the deadlines that
fell due since their watermark (see ``backend.sla.sweeps``).

On PostgreSQL the candidate rows are locked ``FOR UPDATE SKIP LOCKED``: concurrent sweeps split
the work instead of waiting for each other, and a ticket cannot change under the sweep between
reading it and acting on it. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.models import SlaMark, SlaWatermark, Ticket, table
from backend.models.enums import Status
from backend.sla.deadlines import STAGE, Due

_t = table(Ticket)
_marks = table(SlaMark)
_wm = table(SlaWatermark)

MARK_CHUNK = 1000  # rows per multi-row INSERT: well inside every driver's parameter limit


def _mark_kind(prefix: str) -> sa.ColumnElement[Any]:
    return sa.case(
        (_t.c.status == Status.dispatched.value, sa.literal(f"{prefix}.accept")),
        else_=sa.literal(f"{prefix}.reply"),
    )


def candidates(
    session: Session,
    prefix: str,
    *,
    after: datetime | None,
    upto: datetime,
    limit: int,
) -> list[Due]:
    """Department-held tickets with ``after < due_at <= upto`` and no ``prefix`` mark for their
    current deadline, oldest deadline first; locked on PostgreSQL (skipping locked ones)."""
    marked = sa.exists().where(
        _marks.c.ticket_id == _t.c.id,
        _marks.c.kind == _mark_kind(prefix),
        _marks.c.deadline == _t.c.due_at,
    )
    q = (
        sa.select(
            _t.c.id,
            _t.c.code,
            _t.c.status,
            _t.c.due_at,
            _t.c.lead_department_id,
            _t.c.college_id,
            _t.c.category_id,
            _t.c.urgency,
            _t.c.dispatched_at,
        )
        # coalesce(): keeps the planner off ix_tickets_status_created (every accepted ticket)
        # and on the range of ix_tickets_due (only the tickets due in the window).
        .where(_t.c.due_at <= upto, sa.func.coalesce(_t.c.status, "").in_(list(STAGE)), ~marked)
        .order_by(_t.c.due_at, _t.c.id)
        .limit(limit)
    )
    if after is not None:
        q = q.where(_t.c.due_at > after)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True, of=_t)
    return [Due(*row) for row in session.execute(q)]


def claim(session: Session, marks: Sequence[tuple[Due, str]], now: datetime) -> set[int]:
    """Insert-if-absent the marks (ticket, kind); the ids of the tickets whose mark this call
    inserted. A mark that exists already (another sweep, another worker) is skipped."""
    won: set[int] = set()
    if not marks:
        return won
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for i in range(0, len(marks), MARK_CHUNK):
        chunk = marks[i : i + MARK_CHUNK]
        stmt = (
            insert(_marks)
            .values(
                [
                    {
                        "ticket_id": d.id,
                        "kind": kind,
                        "deadline": d.due_at,
                        "acted": True,
                        "created_at": now,
                    }
                    for d, kind in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["ticket_id", "kind", "deadline"])
            .returning(_marks.c.ticket_id)
        )
        won.update(session.execute(stmt).scalars())
    return won


def _watermark(session: Session, name: str) -> datetime | None:
    value: datetime | None = session.execute(
        sa.select(_wm.c.due_before).where(_wm.c.name == name)
    ).scalar_one_or_none()
    return value


def _advance_watermark(session: Session, name: str, to: datetime, now: datetime) -> None:
    """Raise the watermark to ``to`` (never lower it: another worker may be further on)."""
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_wm).values(name=name, due_before=to, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={"due_before": to, "updated_at": now},
        where=_wm.c.due_before < to,
    )
    session.execute(stmt)


def watermarked(
    session: Session,
    now: datetime,
    settings: Settings,
    prefix: str,
    cutoff: datetime,
    act: Callable[[list[Due]], list[Due]],
) -> int:
    """Claim and act on every unmarked department deadline at or before ``cutoff``."""
    mark = _watermark(session, prefix)
    lookback = timedelta(hours=settings.sla_sweep_lookback_hours)
    rows = candidates(
        session,
        prefix,
        after=mark - lookback if mark is not None else None,
        upto=cutoff,
        limit=settings.sla_sweep_batch,
    )
    won = claim(session, [(d, f"{prefix}.{d.stage}") for d in rows], now)
    mine = [d for d in rows if d.id in won]
    idle = act(mine) if mine else []
    for d in idle:
        # Claimed but decided against (e.g. an order is still open): say so in the mark.
        session.execute(
            _marks.update()
            .where(
                _marks.c.ticket_id == d.id,
                _marks.c.kind == f"{prefix}.{d.stage}",
                _marks.c.deadline == d.due_at,
            )
            .values(acted=False)
        )
    if len(rows) < settings.sla_sweep_batch:
        # Everything up to the cutoff is marked (by us or by others): start there next time.
        _advance_watermark(session, prefix, cutoff, now)
    return len(mine) - len(idle)
