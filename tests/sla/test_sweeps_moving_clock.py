"""Reminder, overdue (with the automatic urge) and supervision each fire once and only once, at
the right working day, with the clock walking through holidays, make-up days, a university
closure, an extension and a return.

Holiday dates are those of the State Council's notices (国务院办公厅关于2025年/2026年部分节假日安排
的通知): 2025 National Day and Mid-Autumn, 1–8 October off, Sunday 28 September and Saturday
11 October worked; 2026 Spring Festival, 15–23 February off, Saturday 14 and Saturday
28 February worked. ``test_the_notices_dates`` checks the calendar package says the same.

Deadlines end inside office hours (08:30–17:30; whole working days at the close), and the sweeps
act only inside them: the walk's two-hour steps run at even hours, so the first sweep of a
working day that acts is the 10:00 one (08:00 is before the opening).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from backend.calendar.workdays import WorkCalendar
from backend.core.clock import FrozenClock
from tests.factories import World
from tests.sla.walk import (
    auto_urges,
    local,
    marks,
    orders,
    outbox_topics,
    ticket_row,
    travel_to,
    walk,
)


def test_the_notices_dates() -> None:
    cal = WorkCalendar()
    off = [date(2025, 10, d) for d in range(1, 9)] + [date(2026, 2, d) for d in range(15, 24)]
    worked = [date(2025, 9, 28), date(2025, 10, 11), date(2026, 2, 14), date(2026, 2, 28)]
    assert not any(cal.is_workday(d) for d in off)
    assert all(cal.is_workday(d) for d in worked)
    assert [d.weekday() for d in worked] == [6, 5, 5, 5]  # Sunday, then Saturdays


def dispatch(world: World, ticket_id: int) -> dict[str, Any]:
    return world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{ticket_id}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )


def dispatched_at(world: World, clock: FrozenClock, when: datetime) -> dict[str, Any]:
    travel_to(world, clock, when)
    return dispatch(world, world.submit()["id"])


def accepted_at(world: World, clock: FrozenClock, when: datetime) -> dict[str, Any]:
    t = dispatched_at(world, clock, when)
    return world.ok("dept_lead_staff", "POST", f"/tickets/{t['id']}/accept")


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_national_day_2025(world: World, clock: FrozenClock) -> None:
    # Friday 26 September, 10:00, before the holiday; accepted at once.
    t = accepted_at(world, clock, local(2025, 9, 26, 10))
    tid = t["id"]
    # Five working days after Friday: Sunday 28 (make-up), Monday 29, Tuesday 30,
    # (1–8 October off), Thursday 9, and Friday 10, at its close.
    assert at(t["reply_due_at"]) == local(2025, 10, 10, 17, 30)

    travel_to(world, clock, local(2025, 9, 27))
    w = walk(world, clock, local(2025, 10, 20))
    # One working day before the close of Friday 10 is its opening (the first sweep after it
    # runs at 10:00); the make-up Saturday 11 October is the working day after; five working
    # days after the deadline's day: 11, 13, 14, 15, 16 October. Never at night.
    assert w.fired == [
        ("reminder", local(2025, 10, 10, 10)),
        ("overdue", local(2025, 10, 11, 10)),
        ("supervision", local(2025, 10, 16, 10)),
    ]
    row = ticket_row(world, tid)
    assert row.urge_count == 1
    [urge] = auto_urges(world, tid)
    assert urge.actor_id is None
    assert urge.note
    assert "自动催办" in urge.note
    assert outbox_topics(world, tid).count("ticket.urge") == 1
    assert outbox_topics(world, tid).count("ticket.overdue") == 1
    assert outbox_topics(world, tid).count("sla.reminder") == 1
    assert outbox_topics(world, tid).count("supervision.raised") == 1
    [order] = orders(world, tid)
    assert order.auto
    assert order.status == "open"
    assert order.department_id == world.dept_lead.id
    assert "5个工作日" in order.reason
    # Its new deadline: three working days from Thursday 16 October 10:00, i.e. the close of
    # Tuesday 21 October.
    assert order.deadline == local(2025, 10, 21, 17, 30)


def test_spring_festival_2026_acceptance(world: World, clock: FrozenClock) -> None:
    # Dispatched Thursday 12 February 10:00; never accepted.
    t = dispatched_at(world, clock, local(2026, 2, 12, 10))
    tid = t["id"]
    assert at(t["accept_due_at"]) == local(2026, 2, 13, 17, 30)

    travel_to(world, clock, local(2026, 2, 13))
    w = walk(world, clock, local(2026, 3, 3))
    # The one-day acceptance window (16.5 office hours from Thursday 10:00) is no longer than
    # the one-day lead, so the reminder comes with half the window left (Friday 09:15, seen by
    # the first sweep after it). Overdue on the make-up Saturday 14 February; five working
    # days: 14, 24, 25, 26, 27 February.
    assert w.fired == [
        ("reminder", local(2026, 2, 13, 10)),
        ("overdue", local(2026, 2, 14, 10)),
        ("supervision", local(2026, 2, 27, 10)),
    ]
    assert marks(world, tid) == [
        ("reminder.accept", local(2026, 2, 13, 17, 30), True),
        ("overdue.accept", local(2026, 2, 13, 17, 30), True),
        ("supervision.accept", local(2026, 2, 13, 17, 30), True),
    ]
    detail = world.ok("committee_staff", "GET", f"/tickets/{tid}")
    assert detail["overdue"] is True
    assert detail["urge_count"] == 1


def test_university_closure(world: World, clock: FrozenClock) -> None:
    travel_to(world, clock, local(2026, 3, 9, 9))
    for d in range(16, 21):  # the whole week of 16–20 March closed
        world.ok(
            "committee_admin",
            "POST",
            "/calendar/days",
            json={"date": f"2026-03-{d}", "is_workday": False, "note": "校园封闭"},
        )
    t = accepted_at(world, clock, local(2026, 3, 10, 10))
    tid = t["id"]
    assert at(t["reply_due_at"]) == local(2026, 3, 24, 17, 30)

    travel_to(world, clock, local(2026, 3, 11))
    w = walk(world, clock, local(2026, 4, 2))
    # Reminded one working day before (from Tuesday 24's opening); overdue on Wednesday 25;
    # five working days: 25, 26, 27, 30, 31 March.
    assert w.fired == [
        ("reminder", local(2026, 3, 24, 10)),
        ("overdue", local(2026, 3, 25, 10)),
        ("supervision", local(2026, 3, 31, 10)),
    ]
    # While closed the ticket was not overdue; the day after the deadline it is.
    assert len(orders(world, tid)) == 1


def test_an_approved_extension_moves_every_step(world: World, clock: FrozenClock) -> None:
    t = accepted_at(world, clock, local(2026, 3, 10, 10))
    tid = t["id"]
    assert at(t["reply_due_at"]) == local(2026, 3, 17, 17, 30)

    def extend() -> None:
        world.ok(
            "dept_lead_staff",
            "POST",
            f"/tickets/{tid}/extensions",
            json={"days": 3, "reason": "需要等待供应商报价"},
        )
        ext = world.ok("committee_staff", "GET", f"/tickets/{tid}/extensions")[-1]
        world.ok(
            "committee_staff",
            "POST",
            f"/tickets/{tid}/extensions/{ext['id']}/decision",
            json={"approved": True},
        )

    travel_to(world, clock, local(2026, 3, 11))
    w = walk(world, clock, local(2026, 4, 1), at={local(2026, 3, 17, 12): extend})
    # The old deadline was reminded (Tuesday 10:00) before the extension; the new one, three
    # working days from the old one, Friday 20 March 17:30, gets its own reminder; overdue only
    # after it, never after the old one.
    assert ticket_row(world, tid).reply_due_at == local(2026, 3, 20, 17, 30)
    assert w.fired == [
        ("reminder", local(2026, 3, 17, 10)),
        ("reminder", local(2026, 3, 20, 10)),
        ("overdue", local(2026, 3, 23, 10)),
        ("supervision", local(2026, 3, 27, 10)),
    ]
    assert [k for k, _d, _a in marks(world, tid)] == [
        "reminder.reply",
        "reminder.reply",
        "overdue.reply",
        "supervision.reply",
    ]


def test_a_return_stops_the_departments_clock(world: World, clock: FrozenClock) -> None:
    t = dispatched_at(world, clock, local(2026, 3, 10, 10))
    tid = t["id"]

    def give_back() -> None:
        world.ok(
            "dept_lead_staff",
            "POST",
            f"/tickets/{tid}/return",
            json={"reason_code": "not_our_remit", "reason": "不属于本部门职责"},
        )

    def again() -> None:
        d = dispatch(world, tid)
        assert at(d["accept_due_at"]) == local(2026, 3, 17, 17, 30)  # fresh windows
        world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")

    travel_to(world, clock, local(2026, 3, 11))
    w = walk(
        world,
        clock,
        local(2026, 4, 3),
        at={local(2026, 3, 11, 12): give_back, local(2026, 3, 16, 10): again},
    )
    # The first acceptance deadline (Wednesday 11, 17:30) was reminded (half its window left,
    # 09:15, seen at 10:00 — not at night), then passed while the committee held the ticket:
    # no overdue, no urge. After the re-dispatch: reply due Monday 23 March 17:30.
    assert ticket_row(world, tid).reply_due_at == local(2026, 3, 23, 17, 30)
    assert w.fired == [
        ("reminder", local(2026, 3, 11, 10)),
        ("reminder", local(2026, 3, 23, 10)),
        ("overdue", local(2026, 3, 24, 10)),
        ("supervision", local(2026, 3, 30, 10)),
    ]


def test_a_reopen_sets_new_deadlines_that_are_swept_afresh(
    world: World, clock: FrozenClock
) -> None:
    t = accepted_at(world, clock, local(2026, 3, 10, 10))
    tid = t["id"]
    travel_to(world, clock, local(2026, 3, 18, 12))  # a day late: overdue fired
    assert sum(run_all(world, clock).values()) >= 1
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已处理。"})
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/reopen",
        json={"reason": "问题没有解决"},
    )
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    row = ticket_row(world, tid)
    assert row.reply_due_at == local(2026, 3, 25, 17, 30)
    w = walk(world, clock, local(2026, 3, 27))
    assert w.when("overdue") == [local(2026, 3, 26, 10)]
    assert len(auto_urges(world, tid)) == 2  # one per deadline


def run_all(world: World, clock: FrozenClock) -> dict[str, int]:
    from tests.sla.walk import run_sweeps

    return run_sweeps(world, clock.now())


def test_running_every_sweep_twice_acts_once(world: World, clock: FrozenClock) -> None:
    tickets = [accepted_at(world, clock, local(2026, 3, 10, 10))["id"] for _ in range(3)]
    travel_to(world, clock, local(2026, 3, 17, 10))
    assert run_all(world, clock) == {"reminder": 3, "overdue": 0, "supervision": 0}
    assert run_all(world, clock) == {"reminder": 0, "overdue": 0, "supervision": 0}
    travel_to(world, clock, local(2026, 3, 18, 9))
    assert run_all(world, clock) == {"reminder": 0, "overdue": 3, "supervision": 0}
    assert run_all(world, clock) == {"reminder": 0, "overdue": 0, "supervision": 0}
    travel_to(world, clock, local(2026, 3, 24, 9))
    assert run_all(world, clock) == {"reminder": 0, "overdue": 0, "supervision": 3}
    assert run_all(world, clock) == {"reminder": 0, "overdue": 0, "supervision": 0}
    for tid in tickets:
        assert len(auto_urges(world, tid)) == 1
        assert len(orders(world, tid)) == 1


def test_the_overdue_flag_agrees_with_the_sweep(world: World, clock: FrozenClock) -> None:
    """The flag the API shows flips at the same instant the overdue sweep fires: the opening of
    the working day after the deadline (not at midnight)."""
    t = accepted_at(world, clock, local(2026, 3, 10, 10))
    tid = t["id"]
    just_before = local(2026, 3, 18, 8, 30) - timedelta(microseconds=1)
    travel_to(world, clock, just_before)
    assert run_all(world, clock)["overdue"] == 0
    assert world.ok("dept_lead_staff", "GET", f"/tickets/{tid}")["overdue"] is False
    travel_to(world, clock, local(2026, 3, 18, 8, 30))
    assert world.ok("dept_lead_staff", "GET", f"/tickets/{tid}")["overdue"] is True
    assert run_all(world, clock)["overdue"] == 1


def test_an_open_order_is_not_doubled_by_the_sweep(world: World, clock: FrozenClock) -> None:
    t = accepted_at(world, clock, local(2026, 3, 10, 10))
    tid = t["id"]
    travel_to(world, clock, local(2026, 3, 18, 9))
    world.ok(
        "committee_staff",
        "POST",
        "/supervision-orders",
        json={"ticket_id": tid, "reason": "重点关注"},
    )
    travel_to(world, clock, local(2026, 3, 24, 9))
    assert run_all(world, clock)["supervision"] == 0
    assert len(orders(world, tid)) == 1
    assert marks(world, tid)[-1] == ("supervision.reply", local(2026, 3, 17, 17, 30), False)
