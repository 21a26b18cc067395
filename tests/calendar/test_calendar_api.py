"""The committee's calendar overrides through the API, and their effect on deadlines.

The test clock stands at Tuesday 2026-03-10 10:00 Asia/Shanghai; that week has no public
holiday, so Wednesday 2026-03-11 is the next working day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import World

SH = ZoneInfo("Asia/Shanghai")
WED = date(2026, 3, 11)
SAT = date(2026, 3, 14)
NOT_ADMINS = ("committee_staff", "dept_lead_head", "college_head")


def assert_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code
    return body


def set_day(world: World, day: date, is_workday: bool, note: str | None = None) -> dict[str, Any]:
    return world.ok(
        "committee_admin",
        "POST",
        "/calendar/days",
        json={"date": day.isoformat(), "is_workday": is_workday, "note": note},
    )


def dispatched(world: World) -> dict[str, Any]:
    return world.ticket_in("dispatched")


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def sh(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=SH)


def close(d: date) -> datetime:
    """The close of office hours (the default 17:30): where whole working days end."""
    return datetime(d.year, d.month, d.day, 17, 30, tzinfo=SH)


# --- overrides --------------------------------------------------------------------------------


def test_admin_sets_lists_replaces_and_deletes_an_override(world: World) -> None:
    out = set_day(world, WED, False, "校庆闭馆")
    assert out["date"] == "2026-03-11"
    assert out["is_workday"] is False
    assert out["note"] == "校庆闭馆"
    assert when(out["updated_at"]) == sh(date(2026, 3, 10))

    listed = world.ok("college_staff", "GET", "/calendar/days")
    assert [d["date"] for d in listed] == ["2026-03-11"]
    # The same instant, though the write answers in local time and the read in UTC.
    assert {**listed[0], "updated_at": None} == {**out, "updated_at": None}
    assert when(listed[0]["updated_at"]) == when(out["updated_at"])

    # Posting the same date again replaces the override rather than adding one.
    set_day(world, WED, True, "值班")
    listed = world.ok("committee_staff", "GET", "/calendar/days")
    assert [(d["date"], d["is_workday"], d["note"]) for d in listed] == [
        ("2026-03-11", True, "值班")
    ]

    r = world.call("committee_admin", "DELETE", "/calendar/days/2026-03-11")
    assert r.status_code == 204
    assert world.ok("committee_staff", "GET", "/calendar/days") == []
    r = world.call("committee_admin", "DELETE", "/calendar/days/2026-03-11")
    assert_problem(r, 404, "not_found")


def test_list_of_overrides_filters_by_range(world: World) -> None:
    for day in (date(2026, 1, 20), date(2026, 7, 15), date(2026, 7, 16), date(2026, 8, 31)):
        set_day(world, day, False, "暑假")
    listed = world.ok(
        "college_staff", "GET", "/calendar/days", params={"from": "2026-07-01", "to": "2026-07-31"}
    )
    assert [d["date"] for d in listed] == ["2026-07-15", "2026-07-16"]
    listed = world.ok("college_staff", "GET", "/calendar/days", params={"from": "2026-07-16"})
    assert [d["date"] for d in listed] == ["2026-07-16", "2026-08-31"]
    listed = world.ok("college_staff", "GET", "/calendar/days", params={"to": "2026-07-14"})
    assert [d["date"] for d in listed] == ["2026-01-20"]


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_committee_admins_edit_the_calendar(world: World, role: str) -> None:
    set_day(world, WED, False)
    r = world.call(role, "POST", "/calendar/days", json={"date": "2026-03-12", "is_workday": False})
    assert_problem(r, 403, "admin_required")
    r = world.call(role, "DELETE", "/calendar/days/2026-03-11")
    assert_problem(r, 403, "admin_required")
    assert [d["date"] for d in world.ok(role, "GET", "/calendar/days")] == ["2026-03-11"]


def test_calendar_needs_authentication(world: World) -> None:
    assert_problem(world.client.get("/api/v1/calendar/days"), 401, "not_authenticated")
    r = world.client.get(
        "/api/v1/calendar/workdays", params={"from": "2026-03-09", "to": "2026-03-15"}
    )
    assert_problem(r, 401, "not_authenticated")


@pytest.mark.parametrize(
    "body",
    [
        {"date": "2026-02-30", "is_workday": False},
        {"date": "next tuesday", "is_workday": False},
        {"date": "2026-03-11"},
        {"date": "2026-03-11", "is_workday": False, "note": "x" * 201},
    ],
)
def test_invalid_override_is_a_validation_problem(world: World, body: dict[str, Any]) -> None:
    r = world.call("committee_admin", "POST", "/calendar/days", json=body)
    problem = assert_problem(r, 422, "validation_error")
    assert problem["errors"]
    assert world.ok("committee_admin", "GET", "/calendar/days") == []


def test_delete_with_a_bad_date_is_a_validation_problem(world: World) -> None:
    r = world.call("committee_admin", "DELETE", "/calendar/days/not-a-date")
    assert_problem(r, 422, "validation_error")


# --- working days -----------------------------------------------------------------------------


def workdays(world: World, start: str, end: str) -> dict[str, tuple[bool, bool]]:
    rows = world.ok("college_staff", "GET", "/calendar/workdays", params={"from": start, "to": end})
    return {r["date"]: (r["is_workday"], r["overridden"]) for r in rows}


def test_workdays_of_an_ordinary_week(world: World) -> None:
    week = workdays(world, "2026-03-09", "2026-03-15")
    assert list(week) == [f"2026-03-{d:02d}" for d in range(9, 16)]
    assert week == {
        "2026-03-09": (True, False),
        "2026-03-10": (True, False),
        "2026-03-11": (True, False),
        "2026-03-12": (True, False),
        "2026-03-13": (True, False),
        "2026-03-14": (False, False),
        "2026-03-15": (False, False),
    }


def test_workdays_apply_overrides(world: World) -> None:
    set_day(world, WED, False, "闭馆")
    set_day(world, SAT, True, "值班")
    week = workdays(world, "2026-03-09", "2026-03-15")
    assert week["2026-03-11"] == (False, True)
    assert week["2026-03-14"] == (True, True)
    assert week["2026-03-12"] == (True, False)
    world.call("committee_admin", "DELETE", "/calendar/days/2026-03-11")
    assert workdays(world, "2026-03-11", "2026-03-11") == {"2026-03-11": (True, False)}


def test_workdays_follow_the_national_calendar(world: World) -> None:
    # 2026 Spring Festival: 2/15–2/23 off; Saturday 2/14 and Saturday 2/28 are make-up workdays.
    days = workdays(world, "2026-02-13", "2026-02-28")
    assert days["2026-02-14"] == (True, False)
    assert days["2026-02-28"] == (True, False)
    assert all(not days[f"2026-02-{d}"][0] for d in range(15, 24))
    assert days["2026-02-24"] == (True, False)


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-03-15", "2026-03-09"), ("2026-01-01", "2027-01-03")],
)
def test_workdays_range_is_bounded(world: World, start: str, end: str) -> None:
    r = world.call("college_staff", "GET", "/calendar/workdays", params={"from": start, "to": end})
    assert_problem(r, 422, "bad_range")


def test_workdays_accepts_the_longest_range(world: World) -> None:
    rows = world.ok(
        "college_staff",
        "GET",
        "/calendar/workdays",
        params={"from": "2026-01-01", "to": "2027-01-02"},
    )
    assert len(rows) == 367


@pytest.mark.parametrize("params", [{}, {"from": "2026-03-09"}, {"to": "2026-03-09"}])
def test_workdays_needs_both_ends(world: World, params: dict[str, str]) -> None:
    r = world.call("college_staff", "GET", "/calendar/workdays", params=params)
    assert_problem(r, 422, "validation_error")


# --- effect on deadlines ----------------------------------------------------------------------


def test_a_closure_moves_the_dispatch_deadlines_by_a_day(world: World) -> None:
    before = dispatched(world)
    assert when(before["accept_due_at"]) == close(WED)
    assert when(before["reply_due_at"]) == close(date(2026, 3, 17))

    set_day(world, WED, False, "校庆闭馆")
    after = dispatched(world)
    assert when(after["accept_due_at"]) - when(before["accept_due_at"]) == timedelta(days=1)
    assert when(after["accept_due_at"]) == close(date(2026, 3, 12))
    assert when(after["reply_due_at"]) == close(date(2026, 3, 18))

    # The ticket dispatched earlier keeps the deadline it was given.
    again = world.ok("committee_staff", "GET", f"/tickets/{before['id']}")
    assert again["accept_due_at"] == before["accept_due_at"]

    # Dropping the override restores the national calendar.
    world.call("committee_admin", "DELETE", f"/calendar/days/{WED.isoformat()}")
    restored = dispatched(world)
    assert restored["accept_due_at"] == before["accept_due_at"]


def test_an_extra_duty_day_brings_the_reply_deadline_forward(world: World) -> None:
    before = dispatched(world)
    set_day(world, SAT, True, "周六值班")
    after = dispatched(world)
    assert after["accept_due_at"] == before["accept_due_at"]
    # Wed, Thu, Fri, Sat, Mon instead of Wed, Thu, Fri, Mon, Tue.
    assert when(after["reply_due_at"]) == close(date(2026, 3, 16))
    assert when(before["reply_due_at"]) - when(after["reply_due_at"]) == timedelta(days=1)
