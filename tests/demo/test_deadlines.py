"""The demo seed's tickets carry deadlines the way the app makes them: every one of them inside
office hours on a working day (the committee's hours when it has set its own)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.calendar.service import load_calendar, set_office_hours
from backend.calendar.workdays import WorkCalendar
from backend.config import Settings
from backend.demo import seed
from backend.models import Ticket, table

SH = ZoneInfo("Asia/Shanghai")
DEADLINES = ("dispatch_due_at", "accept_due_at", "reply_due_at", "revisit_due_at", "score_due_at")
T = table(Ticket)


def outside_office_hours(cal: WorkCalendar, session: Session) -> list[tuple[int, str, datetime]]:
    """Every (ticket, field, deadline) not on a working day between opening and close."""
    bad = []
    rows = session.execute(sa.select(T.c.id, T.c.due_at, *(T.c[f] for f in DEADLINES))).all()
    for tid, *values in rows:
        for field, value in zip(("due_at", *DEADLINES), values, strict=True):
            if value is None:
                continue
            local = value.astimezone(cal.tz)
            if not (
                cal.is_workday(local.date()) and cal.hours.opens < local.time() <= cal.hours.closes
            ):
                bad.append((tid, field, local))
    return bad


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 10, 10, 0, tzinfo=SH),  # Tuesday morning
        datetime(2026, 2, 21, 3, 30, tzinfo=SH),  # a night in the Spring Festival break
    ],
)
def test_every_demo_deadline_lies_in_office_hours(
    db: Session, settings: Settings, now: datetime
) -> None:
    seed.seed_organisation(db)
    assert seed.generate_tickets(db, settings, 600, now) == 600
    cal = load_calendar(db, settings)
    counted = db.execute(sa.select(sa.func.count()).where(T.c.reply_due_at.is_not(None))).scalar()
    assert (counted or 0) > 200  # the check below sees plenty of deadlines
    assert outside_office_hours(cal, db) == []


def test_demo_deadlines_follow_the_committees_office_hours(db: Session, settings: Settings) -> None:
    set_office_hours(db, time(9), time(16), None, datetime(2026, 3, 1, tzinfo=SH))
    seed.seed_organisation(db)
    seed.generate_tickets(db, settings, 300, datetime(2026, 3, 10, 10, 0, tzinfo=SH))
    cal = load_calendar(db, settings)
    assert cal.hours.closes == time(16)
    assert outside_office_hours(cal, db) == []
    closes = db.execute(sa.select(T.c.reply_due_at).where(T.c.reply_due_at.is_not(None))).scalars()
    assert {c.astimezone(SH).time() for c in closes} == {time(16)}
