from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from backend.calendar import service
from backend.core.inputs import Day, MultiLine, RequestBody
from backend.core.timefmt import LocalDateTime
from backend.deps import CommitteeAdmin, CurrentUser, DbSession, Now, SettingsDep
from backend.errors import invalid, not_found
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
    _: CurrentUser,
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
    _: CurrentUser,
    session: DbSession,
    settings: SettingsDep,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
) -> list[WorkdayInfo]:
    """Whether each date in a range (at most 366 days) is a working day, all rules applied."""
    if end < start or (end - start).days > 366:
        raise invalid("bad_range", "Give a range of at most 366 days, from before to.")
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
