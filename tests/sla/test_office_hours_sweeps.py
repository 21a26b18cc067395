"""Reminders, overdue urges and supervision orders reach people in office hours only: a sweep
at night, on a weekend or before the committee's opening does nothing (no mark, no event, no
outbox row), and the first sweep after the opening acts. The overdue flag turns at the same
opening, not at midnight."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from backend.core.clock import FrozenClock
from backend.models import OutboxMessage, TicketEvent
from tests.factories import World
from tests.sla.test_sweeps_moving_clock import accepted_at, dispatched_at
from tests.sla.walk import local, marks, outbox_topics, run_sweeps, travel_to

NOTHING = {"reminder": 0, "overdue": 0, "supervision": 0}


def events_of(world: World, ticket_id: int) -> list[tuple[str, datetime]]:
    world.db.expire_all()
    return [
        (e.action, e.created_at.astimezone(local(2026, 1, 1).tzinfo))
        for e in world.db.execute(
            sa.select(TicketEvent)
            .where(col(TicketEvent.ticket_id) == ticket_id)
            .order_by(col(TicketEvent.id))
        ).scalars()
    ]


def outbox_times(world: World, ticket_id: int) -> list[datetime]:
    rows = world.db.execute(sa.select(OutboxMessage)).scalars()
    return [
        m.created_at.astimezone(local(2026, 1, 1).tzinfo)
        for m in rows
        if m.payload.get("ticket_id") == ticket_id
    ]


def test_an_overdue_urge_waits_for_the_opening(world: World, clock: FrozenClock) -> None:
    tid = accepted_at(world, clock, local(2026, 3, 10, 10))["id"]  # reply due Tue 17 at 17:30
    before = len(events_of(world, tid))
    topics = outbox_topics(world, tid)

    # Wednesday 18 March, 03:30: a working day has not begun yet; nothing happens
    travel_to(world, clock, local(2026, 3, 18, 3, 30))
    assert run_sweeps(world, clock.now()) == NOTHING
    assert world.ok("dept_lead_staff", "GET", f"/tickets/{tid}")["overdue"] is False
    # 08:29: still before the opening
    travel_to(world, clock, local(2026, 3, 18, 8, 29))
    assert run_sweeps(world, clock.now()) == NOTHING
    assert len(events_of(world, tid)) == before
    assert outbox_topics(world, tid) == topics
    assert marks(world, tid) == []

    # the opening: overdue, urged, and every row stamped in office hours
    travel_to(world, clock, local(2026, 3, 18, 8, 30))
    assert world.ok("dept_lead_staff", "GET", f"/tickets/{tid}")["overdue"] is True
    assert run_sweeps(world, clock.now())["overdue"] == 1
    assert events_of(world, tid)[-1] == ("urge", local(2026, 3, 18, 8, 30))
    assert outbox_topics(world, tid)[len(topics) :] == ["ticket.overdue", "ticket.urge"]


def test_no_reminder_at_night_or_on_a_weekend(world: World, clock: FrozenClock) -> None:
    # Dispatched Friday 13 March 10:00: acceptance due Monday 16 at 17:30, and half of that
    # window (from Friday 10:00: 7.5 + 9 office hours) is left from Monday 09:15.
    t = dispatched_at(world, clock, local(2026, 3, 13, 10))
    assert t["accept_due_at"] == "2026-03-16T17:30:00+08:00"
    tid = t["id"]
    for night in (local(2026, 3, 13, 22), local(2026, 3, 14, 10), local(2026, 3, 16, 6)):
        travel_to(world, clock, night)
        assert run_sweeps(world, clock.now()) == NOTHING, night
    travel_to(world, clock, local(2026, 3, 16, 9, 15))
    assert run_sweeps(world, clock.now())["reminder"] == 1
    assert outbox_times(world, tid)[-1] == local(2026, 3, 16, 9, 15)


def test_supervision_is_raised_in_office_hours(world: World, clock: FrozenClock) -> None:
    tid = accepted_at(world, clock, local(2026, 3, 10, 10))["id"]  # reply due Tue 17, 17:30
    travel_to(world, clock, local(2026, 3, 18, 9))
    assert run_sweeps(world, clock.now())["overdue"] == 1
    # Five working days after the deadline's day: 18, 19, 20, 23, 24 March. At 00:05 on the
    # 24th the fifth has not begun; at the opening it has.
    travel_to(world, clock, local(2026, 3, 24, 0, 5))
    assert run_sweeps(world, clock.now()) == NOTHING
    travel_to(world, clock, local(2026, 3, 24, 8, 30))
    assert run_sweeps(world, clock.now())["supervision"] == 1
    assert outbox_topics(world, tid)[-1] == "supervision.raised"


def test_the_committees_own_office_hours_gate_the_sweeps(world: World, clock: FrozenClock) -> None:
    travel_to(world, clock, local(2026, 3, 9, 9))
    world.ok(
        "committee_admin",
        "PUT",
        "/calendar/office-hours",
        json={"opens": "09:00", "closes": "17:00"},
    )
    t = accepted_at(world, clock, local(2026, 3, 10, 10))
    assert t["reply_due_at"] == "2026-03-17T17:00:00+08:00"
    travel_to(world, clock, local(2026, 3, 18, 8, 45))  # in the default hours, not in these
    assert run_sweeps(world, clock.now()) == NOTHING
    assert world.ok("dept_lead_staff", "GET", f"/tickets/{t['id']}")["overdue"] is False
    travel_to(world, clock, local(2026, 3, 18, 9))
    assert run_sweeps(world, clock.now())["overdue"] == 1
