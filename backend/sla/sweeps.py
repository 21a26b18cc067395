"""The clock's sweeps: reminders, overdue with automatic urging, supervision orders.

Each is ``fn(session, now) -> int`` for the worker (``backend.worker.registry``), run inside a
transaction the worker commits. Each acts **once per ticket and deadline**, however often it
runs and however many workers run it: before acting it inserts a row into ``sla_marks``, unique
on (ticket, kind, deadline), with ``ON CONFLICT DO NOTHING … RETURNING``; only the tickets whose
mark it inserted are its to act on. A mark is keyed by the deadline, so a new deadline (an
extension, a re-dispatch, a reopen) is reminded, urged and supervised afresh.

Only the department's deadlines move the clock here: accepting (ticket ``dispatched``) and
replying (``accepted``); ``tickets.due_at`` then holds that deadline. Every scan is a range on
the indexed ``due_at`` and skips marked tickets with an index probe:

- reminders: ``now < due_at <= now + the longest reminder lead`` — the tickets due soon;
- overdue and supervision: ``watermark - look-back < due_at <= cutoff``, where the cutoff is
  local 00:00 of the most recent (resp. N-th most recent) working day and the watermark is the
  cutoff of the last complete sweep. A steady-state sweep reads the tickets that fell due since
  the last one, not every overdue ticket again.

The sweeps act only in office hours (``WorkCalendar.in_office``): what they make reaches people
(events, notifications, mail), and nobody is reminded or urged at night. A sweep outside them
does nothing and leaves its watermark; the first sweep after the opening catches up.

On PostgreSQL the candidate rows are locked ``FOR UPDATE SKIP LOCKED``: concurrent sweeps split
the work instead of waiting for each other, and a ticket cannot change under the sweep between
reading it and acting on it. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.calendar.service import load_calendar, workday_start
from backend.calendar.workdays import WorkCalendar
from backend.config import Settings
from backend.models import (
    OutboxMessage,
    SlaMark,
    SlaWatermark,
    Ticket,
    TicketEvent,
    table,
)
from backend.models.enums import Status
from backend.sla.policies import PolicyBook
from backend.worker.registry import current_settings, register_sweep

_t = table(Ticket)
_marks = table(SlaMark)
_wm = table(SlaWatermark)
_events = table(TicketEvent)
_outbox = table(OutboxMessage)

# The department's deadline in each state it holds the ticket, by the name marks use.
STAGE = {Status.dispatched.value: "accept", Status.accepted.value: "reply"}
STAGE_ZH = {"accept": "签收", "reply": "答复"}
MARK_CHUNK = 1000  # rows per multi-row INSERT: well inside every driver's parameter limit


@dataclass(frozen=True)
class Due:
    id: int
    code: str
    status: str
    due_at: datetime
    lead_department_id: int | None
    college_id: int | None
    category_id: int | None
    urgency: str
    dispatched_at: datetime | None

    @property
    def stage(self) -> str:
        return STAGE[self.status]


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


def _event_row(
    d: Due, action: str, now: datetime, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ticket_id": d.id,
        "action": action,
        "from_status": d.status,
        "to_status": d.status,
        "actor_id": None,  # the system
        "actor_unit_id": None,
        "by_submitter": False,
        "internal": False,
        "note": note,
        "data": data,
        "created_at": now,
    }


def _outbox_row(topic: str, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "topic": topic,
        "payload": payload,
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }


# --- reminders ----------------------------------------------------------------------------------


def sweep_reminders(session: Session, now: datetime, settings: Settings) -> int:
    """Remind the department of acceptance and reply deadlines within the policy's lead time.

    When the whole window is no longer than the lead (an acceptance window of one working day
    with a lead of one), reminding "a day before" would mean reminding at dispatch; the reminder
    comes when half the window is left instead.
    """
    book = PolicyBook(session)
    longest = book.max_reminder_lead()
    if longest <= 0:
        return 0
    cal = load_calendar(session, settings)
    if not cal.in_office(now):
        return 0
    rows = candidates(
        session,
        "reminder",
        after=now,
        upto=cal.add_working_days(now, longest),
        limit=settings.sla_sweep_batch,
    )
    due: list[Due] = []
    for d in rows:
        lead = book.levels(d.category_id, d.urgency).reminder_lead_days
        if lead <= 0:
            continue
        if d.dispatched_at is not None:
            lead = min(lead, cal.working_days_between(d.dispatched_at, d.due_at) / 2)
        if cal.working_days_between(now, d.due_at) > lead:
            continue  # not yet within this ticket's lead
        due.append(d)
    won = claim(session, [(d, f"reminder.{d.stage}") for d in due], now)
    acted = [d for d in due if d.id in won]
    if acted:
        session.execute(
            _outbox.insert(),
            [
                _outbox_row(
                    "sla.reminder",
                    {
                        "ticket_id": d.id,
                        "ticket_code": d.code,
                        "kind": d.stage,
                        "due_at": d.due_at.isoformat(),
                        "department_id": d.lead_department_id,
                    },
                    now,
                )
                for d in acted
            ],
        )
    return len(acted)


# --- overdue and supervision ------------------------------------------------------------------


def _watermarked(
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


def sweep_overdue(session: Session, now: datetime, settings: Settings) -> int:
    """The working day after a missed deadline: mark it overdue and urge the department."""
    cal = load_calendar(session, settings)
    if not cal.in_office(now):
        return 0

    def urge(rows: list[Due]) -> list[Due]:
        session.execute(
            _t.update()
            .where(_t.c.id.in_([d.id for d in rows]))
            .values(urge_count=_t.c.urge_count + 1, version=_t.c.version + 1, updated_at=now)
        )
        session.execute(
            _events.insert(),
            [
                _event_row(
                    d,
                    "urge",
                    now,
                    f"已超过{STAGE_ZH[d.stage]}期限，系统自动催办。",
                    {
                        "auto": True,
                        "stage": d.stage,
                        "due_at": d.due_at.isoformat(),
                        "department_id": d.lead_department_id,
                    },
                )
                for d in rows
            ],
        )
        out = []
        for d in rows:
            out.append(
                _outbox_row(
                    "ticket.overdue",
                    {
                        "ticket_id": d.id,
                        "ticket_code": d.code,
                        "kind": d.stage,
                        "due_at": d.due_at.isoformat(),
                        "department_id": d.lead_department_id,
                    },
                    now,
                )
            )
            out.append(
                _outbox_row(
                    "ticket.urge",
                    {
                        "ticket_id": d.id,
                        "ticket_code": d.code,
                        "action": "urge",
                        "from_status": d.status,
                        "to_status": d.status,
                        "lead_department_id": d.lead_department_id,
                        "college_id": d.college_id,
                        "internal": False,
                        "at": now.isoformat(),
                        "auto": True,
                    },
                    now,
                )
            )
        session.execute(_outbox.insert(), out)
        return []

    return _watermarked(session, now, settings, "overdue", workday_start(cal, now, 1), urge)


def sweep_supervision(session: Session, now: datetime, settings: Settings) -> int:
    """N working days overdue: raise a supervision order (unless one is still open)."""
    from backend.supervision.service import raise_order_rows

    cal = load_calendar(session, settings)
    if not cal.in_office(now):
        return 0
    days = settings.supervision_after_days

    def supervise(rows: list[Due]) -> list[Due]:
        return raise_order_rows(session, cal, rows, now, settings, days)

    cutoff = workday_start(cal, now, days)
    return _watermarked(session, now, settings, "supervision", cutoff, supervise)


def supervision_deadline(cal: WorkCalendar, now: datetime, settings: Settings) -> datetime:
    return cal.add_working_days(now, settings.supervision_deadline_days)


# The worker calls these with its session and clock; the settings are the process's own.
register_sweep("sla.reminders", lambda s, now: sweep_reminders(s, now, current_settings()))
register_sweep("sla.overdue", lambda s, now: sweep_overdue(s, now, current_settings()))
register_sweep("sla.supervision", lambda s, now: sweep_supervision(s, now, current_settings()))
