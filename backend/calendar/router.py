from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from backend.calendar import service
from backend.calendar.schemas import OfficeHoursIn, OfficeHoursOut, clock, parse_clock
from backend.core.inputs import Day, MultiLine, RequestBody
from backend.core.timefmt import LocalDateTime
from backend.deps import CommitteeAdmin, CurrentSubject, DbSession, Now, SettingsDep
from backend.errors import ProblemCode, invalid, not_found
from backend.models import CalendarDay

router = APIRouter(prefix="/calendar", tags=["calendar"])


class _DayOverride(BaseModel):
    date: date
    is_workday: bool = Field(description="false: a closure (day off); true: an extra duty day.")
    note: str | None = Field(default=None, max_length=200)


class CalendarDayIn(RequestBody, _DayOverride):
    date: Day
    note: MultiLine | None = Field(default=None, max_length=200)


class CalendarDayOut(_DayOverride):
    updated_at: LocalDateTime


class WorkdayInfo(BaseModel):
    date: date
    is_workday: bool
    overridden: bool


def _out(d: CalendarDay) -> CalendarDayOut:
    return CalendarDayOut(date=d.day, is_workday=d.is_workday, note=d.note, updated_at=d.updated_at)


@router.get("/days", response_model=list[CalendarDayOut])
def list_calendar_days(
    _: CurrentSubject,
    session: DbSession,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> list[CalendarDayOut]:
    """The committee's overrides of the national calendar (closures, extra duty days)."""
    return [_out(d) for d in service.list_days(session, start, end)]


@router.post("/days", response_model=CalendarDayOut)
def set_calendar_day(
    body: CalendarDayIn, admin: CommitteeAdmin, session: DbSession, now: Now
) -> CalendarDayOut:
    """Set (or replace) the override for one date."""
    day = session.get(CalendarDay, body.date)
    if day is None:
        day = CalendarDay(day=body.date, is_workday=body.is_workday)
        session.add(day)
    day.is_workday = body.is_workday
    day.note = body.note
    day.updated_by_id = admin.user_id
    day.updated_at = now
    session.flush()
    return _out(day)


@router.delete("/days/{day}", status_code=204)
def delete_calendar_day(day: Day, _: CommitteeAdmin, session: DbSession) -> Response:
    """Drop an override: the national calendar applies to that date again."""
    row = session.get(CalendarDay, day)
    if row is None:
        raise not_found("calendar override")
    session.delete(row)
    session.flush()
    return Response(status_code=204)


@router.get("/workdays", response_model=list[WorkdayInfo])
def list_workdays(
    _: CurrentSubject,
    session: DbSession,
    settings: SettingsDep,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
) -> list[WorkdayInfo]:
    """Whether each date in a range (at most 366 days) is a working day, all rules applied."""
    if end < start or (end - start).days > 366:
        raise invalid(ProblemCode.bad_range, "Give a range of at most 366 days, from before to.")
    cal = service.load_calendar(session, settings)
    overrides = cal.overrides
    days = []
    current = start
    while current <= end:
        days.append(
            WorkdayInfo(
                date=current, is_workday=cal.is_workday(current), overridden=current in overrides
            )
        )
        current += timedelta(days=1)
    return days


def _office_hours_out(session: Session) -> OfficeHoursOut:
    row = service.office_hours_row(session)
    hours = service.hours_of(row)
    return OfficeHoursOut(
        opens=clock(hours.opens),
        closes=clock(hours.closes),
        office_day_minutes=int(hours.span.total_seconds()) // 60,
        updated_at=row.updated_at if row is not None else None,
    )


@router.get("/office-hours", response_model=OfficeHoursOut)
def get_office_hours(_: CurrentSubject, session: DbSession) -> OfficeHoursOut:
    """The committee's office hours on every working day: deadlines end inside them (whole
    days at the close), a fraction of a working day counts them, and reminders, urges and
    mail go out inside them."""
    return _office_hours_out(session)


@router.put("/office-hours", response_model=OfficeHoursOut)
def set_office_hours(
    body: OfficeHoursIn, admin: CommitteeAdmin, session: DbSession, now: Now
) -> OfficeHoursOut:
    """Set the office hours. They apply to deadlines computed from now on (at once in this
    process); stored deadlines keep their times. The office day lasts 2 to 16 hours
    (``office_hours_order``, ``office_hours_span``)."""
    service.set_office_hours(
        session, parse_clock(body.opens), parse_clock(body.closes), admin.user_id, now
    )
    return _office_hours_out(session)
