"""The working-day calendar as the committee has edited it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.calendar.workdays import WorkCalendar
from backend.config import Settings
from backend.models import CalendarDay


def load_calendar(session: Session, settings: Settings) -> WorkCalendar:
    rows = session.execute(sa.select(col(CalendarDay.day), col(CalendarDay.is_workday))).all()
    return WorkCalendar(dict(rows), tz=settings.timezone)


def list_days(session: Session, start: date | None, end: date | None) -> list[CalendarDay]:
    q = sa.select(CalendarDay).order_by(col(CalendarDay.day))
    if start is not None:
        q = q.where(col(CalendarDay.day) >= start)
    if end is not None:
        q = q.where(col(CalendarDay.day) <= end)
    return list(session.execute(q).scalars())
