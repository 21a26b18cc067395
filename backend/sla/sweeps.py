"""The clock's sweeps for departments' deadlines: reminders, and overdue with automatic urging.
(Supervision orders for long-overdue tickets are ``backend.supervision.sweeps``.)

Each is ``fn(session, now) -> int`` for the worker (``backend.worker.registry``), run inside a
transaction the worker commits. Each acts **once per ticket and deadline** (``backend.sla.marks``).

Only the department's deadlines move the clock here: accepting (ticket ``dispatched``) and
replying (``accepted``); ``tickets.due_at`` then holds that deadline. Every scan is a range on
the indexed ``due_at`` and skips marked tickets with an index probe:

- reminders: ``now < due_at <= now + the longest reminder lead`` — the tickets due soon;
- overdue and supervision: ``watermark - look-back < due_at <= cutoff``, where the cutoff is
  the opening of the most recent (resp. N-th most recent) working day and the watermark is the
  cutoff of the last complete sweep. A steady-state sweep reads the tickets that fell due since
  the last one, not every overdue ticket again.

The sweeps act only in office hours (``WorkCalendar.in_office``): what they make reaches people
(events, notifications, mail), and nobody is reminded or urged at night. A sweep outside them
does nothing and leaves its watermark; the first sweep after the opening catches up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.calendar.service import load_calendar
from backend.config import Settings
from backend.events import contract as ev
from backend.events.record import SYSTEM, Entry, build, write
from backend.models import Ticket, table
from backend.sla.deadlines import STAGE_ZH, Due, overdue_cutoff, within_reminder_lead
from backend.sla.marks import candidates, claim, watermarked
from backend.sla.policies import PolicyBook
from backend.worker.registry import current_settings, register_sweep

_t = table(Ticket)


def _system_event(d: Due, details: ev.Details, now: datetime, note: str | None = None) -> Entry:
    return build(
        d, details, who=SYSTEM, now=now, from_status=d.status, to_status=d.status, note=note
    )


# --- reminders ----------------------------------------------------------------------------------


def sweep_reminders(session: Session, now: datetime, settings: Settings) -> int:
    """Remind the department of acceptance and reply deadlines within the policy's lead time
    (see ``deadlines.within_reminder_lead``)."""
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
    due = [
        d
        for d in rows
        if within_reminder_lead(
            cal, d, book.levels(d.category_id, d.urgency).reminder_lead_days, now
        )
    ]
    won = claim(session, [(d, f"reminder.{d.stage}") for d in due], now)
    acted = [d for d in due if d.id in won]
    write(
        session,
        [
            _system_event(
                d,
                ev.Reminder(stage=d.stage, due_at=d.due_at, department_id=d.lead_department_id),
                now,
            )
            for d in acted
        ],
        now,
    )
    return len(acted)


# --- overdue ----------------------------------------------------------------------------------


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
        entries = []
        for d in rows:
            dept = d.lead_department_id
            entries.append(
                _system_event(
                    d, ev.Overdue(stage=d.stage, due_at=d.due_at, department_id=dept), now
                )
            )
            entries.append(
                _system_event(
                    d,
                    ev.Urged(department_id=dept, auto=True, stage=d.stage, due_at=d.due_at),
                    now,
                    note=f"已超过{STAGE_ZH[d.stage]}期限，系统自动催办。",
                )
            )
        write(session, entries, now)
        return []

    return watermarked(session, now, settings, "overdue", overdue_cutoff(cal, now), urge)


# The worker calls these with its session and clock; the settings are the process's own.
register_sweep("sla.reminders", lambda s, now: sweep_reminders(s, now, current_settings()))
register_sweep("sla.overdue", lambda s, now: sweep_overdue(s, now, current_settings()))
