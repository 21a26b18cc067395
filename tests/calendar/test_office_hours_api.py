"""The committee's office hours through the API, and their effect on deadlines at once.

The test clock stands at Tuesday 2026-03-10 10:00 Asia/Shanghai, an ordinary working week.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from backend.calendar.service import cached_calendar
from tests.calendar.test_calendar_api import assert_problem, when
from tests.factories import World

SH = ZoneInfo("Asia/Shanghai")
NOT_ADMINS = ("committee_staff", "dept_lead_head", "college_head", "college_staff")
DEFAULTS = {"opens": "08:30", "closes": "17:30", "office_day_minutes": 540, "updated_at": None}


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SH)


def set_hours(world: World, opens: str, closes: str) -> dict[str, Any]:
    return world.ok(
        "committee_admin", "PUT", "/calendar/office-hours", json={"opens": opens, "closes": closes}
    )


@pytest.mark.parametrize("role", ["committee_admin", *NOT_ADMINS])
def test_everyone_signed_in_reads_the_default_office_hours(world: World, role: str) -> None:
    assert world.ok(role, "GET", "/calendar/office-hours") == DEFAULTS


def test_office_hours_need_authentication(world: World) -> None:
    assert_problem(world.client.get("/api/v1/calendar/office-hours"), 401, "not_authenticated")


def test_admin_sets_the_office_hours(world: World) -> None:
    out = set_hours(world, "09:00", "17:00")
    assert {**out, "updated_at": None} == {
        "opens": "09:00",
        "closes": "17:00",
        "office_day_minutes": 480,
        "updated_at": None,
    }
    assert when(out["updated_at"]) == sh(10, 10)
    assert world.ok("college_staff", "GET", "/calendar/office-hours")["closes"] == "17:00"
    # setting again replaces them
    assert set_hours(world, "08:00", "18:00")["office_day_minutes"] == 600


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_committee_admins_set_office_hours(world: World, role: str) -> None:
    r = world.call(
        role, "PUT", "/calendar/office-hours", json={"opens": "09:00", "closes": "17:00"}
    )
    assert_problem(r, 403, "admin_required")
    assert world.ok(role, "GET", "/calendar/office-hours") == DEFAULTS


@pytest.mark.parametrize(
    ("opens", "closes", "code"),
    [
        ("17:30", "08:30", "office_hours_order"),
        ("09:00", "09:00", "office_hours_order"),
        ("09:00", "10:59", "office_hours_span"),  # shorter than two hours
        ("06:00", "22:01", "office_hours_span"),  # longer than sixteen
        ("8:30", "17:30", "validation_error"),
        ("08:30", "24:00", "validation_error"),
        ("08:30:00", "17:30", "validation_error"),
        ("08:60", "17:30", "validation_error"),
        ("", "17:30", "validation_error"),
    ],
)
def test_bad_office_hours_are_refused_and_change_nothing(
    world: World, opens: str, closes: str, code: str
) -> None:
    r = world.call(
        "committee_admin", "PUT", "/calendar/office-hours", json={"opens": opens, "closes": closes}
    )
    assert_problem(r, 422, code)
    assert world.ok("committee_admin", "GET", "/calendar/office-hours") == DEFAULTS


def test_the_bounds_themselves_are_accepted(world: World) -> None:
    assert set_hours(world, "09:00", "11:00")["office_day_minutes"] == 120
    assert set_hours(world, "06:00", "22:00")["office_day_minutes"] == 960


def test_new_office_hours_apply_to_new_deadlines_at_once(world: World, db: Session) -> None:
    # Half a working day from Tuesday 10:00: 4.5 of 9 office hours, then 4 of 8.
    before = world.submit()
    assert when(before["dispatch_due_at"]) == sh(10, 14, 30)
    dispatched_before = world.ticket_in("dispatched")
    assert when(dispatched_before["accept_due_at"]) == sh(11, 17, 30)
    # the per-process cache (the overdue flag, mail) has seen the old hours
    assert cached_calendar(db, world.settings).hours.closes == time(17, 30)

    set_hours(world, "09:00", "17:00")
    after = world.submit()
    assert when(after["dispatch_due_at"]) == sh(10, 14)
    assert when(world.ticket_in("dispatched")["accept_due_at"]) == sh(11, 17)
    assert cached_calendar(db, world.settings).hours.closes == time(17)

    # Stored deadlines keep their times.
    again = world.ok("committee_staff", "GET", f"/tickets/{dispatched_before['id']}")
    assert again["accept_due_at"] == dispatched_before["accept_due_at"]
    kept = world.ok("committee_staff", "GET", f"/tickets/{before['id']}")["dispatch_due_at"]
    assert kept == before["dispatch_due_at"]
