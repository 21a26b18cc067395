"""The working-day calendar as the committee has edited it."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
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


# --- a per-process cache for the hot read paths ----------------------------------------------
#
# Every list page shows the overdue flag, which depends on the calendar; one more query per page
# would cost the list a fifth of its time. Deadlines (written rarely) still load it fresh.

_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[float, int, WorkCalendar]] = {}
_generation = 0


def invalidate_calendar_cache() -> None:
    global _generation
    with _lock:
        _generation += 1
        _cache.clear()


def cached_calendar(session: Session, settings: Settings) -> WorkCalendar:
    """The calendar, at most ``settings.calendar_cache_seconds`` old (edits through this process
    invalidate it at once)."""
    key = (settings.database_url, settings.timezone)
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and hit[1] == _generation and now < hit[0]:
        return hit[2]
    generation = _generation
    cal = load_calendar(session, settings)
    with _lock:
        if generation == _generation:
            _cache[key] = (now + settings.calendar_cache_seconds, generation, cal)
    return cal


@event.listens_for(Session, "after_flush")
def _calendar_edited(session: Session, _ctx: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(o, CalendarDay) for o in touched):
        session.info["calendar_edited"] = True
        invalidate_calendar_cache()


@event.listens_for(Session, "after_transaction_end")
def _calendar_edit_ended(session: Session, _transaction: Any) -> None:
    # Again at the end (commit or rollback): a read between flush and commit may have cached
    # what another transaction saw.
    if session.info.pop("calendar_edited", False):
        invalidate_calendar_cache()


def workday_start(cal: WorkCalendar, now: datetime, n: int = 1) -> datetime:
    """Local 00:00 of the ``n``-th most recent working day on or before ``now``'s local date."""
    day = now.astimezone(cal.tz).date()
    while not cal.is_workday(day):
        day = date.fromordinal(day.toordinal() - 1)
    for _ in range(n - 1):
        day = date.fromordinal(day.toordinal() - 1)
        while not cal.is_workday(day):
            day = date.fromordinal(day.toordinal() - 1)
    return datetime(day.year, day.month, day.day, tzinfo=cal.tz)
