"""Department rate endpoints. Thin: parse, call the service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from backend.core.inputs import Day
from backend.deps import CurrentSubject, DbSession, Now, SettingsDep
from backend.errors import ProblemBody
from backend.stats import permissions, service
from backend.stats.schemas import DepartmentStatsPage, WeightsIn, WeightsOut

_problems: dict[int | str, dict[str, Any]] = {
    s: {"model": ProblemBody, "content": {"application/problem+json": {}}} for s in (401, 403, 422)
}
router = APIRouter(prefix="/stats", tags=["stats"], responses=_problems)


def _today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


@router.get("/departments", response_model=DepartmentStatsPage)
def department_stats(
    caller: CurrentSubject,
    session: DbSession,
    settings: SettingsDep,
    now: Now,
    start: Annotated[
        Day | None,
        Query(
            alias="from",
            description="First day, inclusive (office time zone); default the first of this month.",
        ),
    ] = None,
    end: Annotated[
        Day | None,
        Query(alias="to", description="Last day, inclusive; default today. At most 366 days."),
    ] = None,
) -> DepartmentStatsPage:
    """Each department's rates in a period, each measure counted by the date of its own event.
    The committee sees every department; a department its own row, ranked among all; colleges
    none (403, like the exclusions list)."""
    today = _today(now, settings.timezone)
    end_day = end or today
    start_day = start or end_day.replace(day=1)
    return service.department_stats(session, caller, settings.timezone, start_day, end_day, now)


@router.get("/weights", response_model=WeightsOut)
def get_weights(caller: CurrentSubject, session: DbSession) -> WeightsOut:
    """The weights of the composite (the defaults until an admin sets them)."""
    permissions.require_reading(caller)
    return service.current_weights(session)


@router.put("/weights", response_model=WeightsOut)
def put_weights(
    body: WeightsIn, caller: CurrentSubject, session: DbSession, now: Now
) -> WeightsOut:
    """Committee admins only. Each weight ≥ 0 and at least one above 0."""
    return service.set_weights(session, caller, body, now)
