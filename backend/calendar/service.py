"""The working-day calendar as the committee has edited it: overrides and office hours."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.calendar.workdays import DEFAULT_OFFICE_HOURS, OfficeHours, WorkCalendar
from backend.config import Settings
from backend.errors import ProblemCode, invalid
from backend.models import CalendarDay, OfficeHoursSetting

# An office day shorter than this makes "half a day" a coffee break; longer is no office day.
MIN_OFFICE_DAY_MINUTES = 2 * 60
MAX_OFFICE_DAY_MINUTES = 16 * 60


def load_calendar(session: Session, settings: Settings) -> WorkCalendar:
    rows = session.execute(sa.select(col(CalendarDay.day), col(CalendarDay.is_workday))).all()
    return WorkCalendar(dict(rows), tz=settings.timezone, hours=office_hours(session))


def office_hours_row(session: Session) -> OfficeHoursSetting | None:
    """The committee's setting; ``None`` until it first sets one (the defaults apply)."""
    return session.get(OfficeHoursSetting, 1)


def hours_of(row: OfficeHoursSetting | None) -> OfficeHours:
    return DEFAULT_OFFICE_HOURS if row is None else OfficeHours(row.opens, row.closes)


def office_hours(session: Session) -> OfficeHours:
    return hours_of(office_hours_row(session))


def set_office_hours(
    session: Session, opens: clock_time, closes: clock_time, user_id: int | None, now: datetime
) -> OfficeHoursSetting:
    """Replace the office hours (from now on; stored deadlines keep their times)."""
    if opens >= closes:
        raise invalid(ProblemCode.office_hours_order, "The office must open before it closes.")
    minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    if not MIN_OFFICE_DAY_MINUTES <= minutes <= MAX_OFFICE_DAY_MINUTES:
        raise invalid(
            ProblemCode.office_hours_span,
            f"An office day lasts from {MIN_OFFICE_DAY_MINUTES // 60} to "
            f"{MAX_OFFICE_DAY_MINUTES // 60} hours.",
        )
    row = office_hours_row(session)
    if row is None:
        row = OfficeHoursSetting(id=1, opens=opens, closes=closes)
        session.add(row)
    row.opens, row.closes = opens, closes
    row.updated_by_id = user_id
    row.updated_at = now
    session.flush()
    return row


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
# would cost the list a fifth of its time. Deadlines (written rarely) still load it fresh. Office
# hours are part of the calendar: editing them invalidates it too.

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
    if any(isinstance(o, CalendarDay | OfficeHoursSetting) for o in touched):
        session.info["calendar_edited"] = True
        invalidate_calendar_cache()


@event.listens_for(Session, "after_transaction_end")
def _calendar_edit_ended(session: Session, _transaction: Any) -> None:
    # Again at the end (commit or rollback): a read between flush and commit may have cached
    # what another transaction saw.
    if session.info.pop("calendar_edited", False):
        invalidate_calendar_cache()


def workday_start(cal: WorkCalendar, now: datetime, n: int = 1) -> datetime:
    """Where the ``n``-th most recent working day began: its opening (a working day begins
    when the office opens). Deadlines at or before it are ``n`` working days overdue."""
    return cal.recent_opening(now, n)
