"""The sweep raises each warning once per rule, department and window, and not below the
rule's threshold; what it counted is kept with the warning."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.models import OutboxMessage
from tests.factories import World, create_category
from tests.warnings.helpers import later, make_rule, sweep, unsatisfied, warnings_of

TODAY = date(2026, 3, 10)  # T0, in the office time zone


def raised_events(db: Session) -> list[dict[str, object]]:
    return list(
        db.execute(
            sa.select(col(OutboxMessage.payload))
            .where(col(OutboxMessage.topic) == "warning.raised")
            .order_by(col(OutboxMessage.id))
        ).scalars()
    )


def test_volume_is_raised_once_at_the_threshold(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    rule = make_rule(world, kind="volume", threshold=3, days=7)
    other_category = create_category(db, world.dept_lead)
    # Same numbers, another category: never holds, as the tickets are of no category.
    narrow = make_rule(world, kind="volume", threshold=1, days=7, category_id=other_category.id)
    for _ in range(2):
        world.ticket_in("dispatched")
    assert sweep(db, settings, clock) == 0
    assert warnings_of(db, rule["id"]) == []

    world.ticket_in("dispatched")
    assert sweep(db, settings, clock) == 1
    assert sweep(db, settings, clock) == 0  # the same window: nothing new
    [w] = warnings_of(db, rule["id"])
    assert (w.department_id, w.kind, w.status) == (world.dept_lead.id, "volume", "open")
    assert (w.observed, w.threshold, w.days) == (3, 3, 7)
    assert (w.window_key, w.window_start, w.window_end) == (
        TODAY.isoformat(),
        TODAY,
        TODAY + timedelta(days=6),
    )
    assert warnings_of(db, narrow["id"]) == []
    assert [
        (e["warning_id"], e["rule_id"], e["kind"], e["department_id"]) for e in raised_events(db)
    ] == [(w.id, rule["id"], "volume", world.dept_lead.id)]


def test_volume_is_raised_again_in_the_next_window(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    rule = make_rule(world, kind="volume", threshold=2, days=2)
    for _ in range(2):
        world.ticket_in("dispatched")
    assert sweep(db, settings, clock) == 1
    clock.advance(timedelta(days=1))  # Wednesday: the window (Tue–Wed) still runs
    assert sweep(db, settings, clock) == 0
    clock.advance(timedelta(days=1))  # Thursday: a new window; the tickets still count
    assert sweep(db, settings, clock) == 1
    assert sweep(db, settings, clock) == 0
    assert [w.window_key for w in warnings_of(db, rule["id"])] == ["2026-03-10", "2026-03-12"]
    clock.advance(timedelta(days=5))  # next Tuesday: the tickets left the window
    assert sweep(db, settings, clock) == 0


def test_a_rule_for_one_department_counts_only_it(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    mine = make_rule(world, kind="volume", threshold=1, days=7, department_id=world.dept_other.id)
    world.ticket_in("dispatched")  # led by dept_lead
    assert sweep(db, settings, clock) == 0
    assert warnings_of(db, mine["id"]) == []


def test_satisfaction_below_the_rate_with_enough_scores(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    rule = make_rule(world, kind="satisfaction", threshold=2, days=30, rate_below=0.8)
    unsatisfied(world)
    # One score is below the rule's minimum: no rate yet.
    assert sweep(db, settings, clock) == 0
    world.ticket_in("closed")  # scored 5, 4, 5: overall 5, satisfied
    assert sweep(db, settings, clock) == 1
    assert sweep(db, settings, clock) == 0
    [w] = warnings_of(db, rule["id"])
    assert (w.department_id, w.observed, w.satisfied, w.rate) == (world.dept_lead.id, 2, 1, 0.5)
    assert w.rate_below == 0.8


def test_satisfaction_at_or_above_the_rate_is_no_warning(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    rule = make_rule(world, kind="satisfaction", threshold=2, days=30, rate_below=0.5)
    unsatisfied(world)
    world.ticket_in("closed")
    assert sweep(db, settings, clock) == 0  # 1/2 is not below 0.5
    assert warnings_of(db, rule["id"]) == []


def test_overdue_once_while_open_and_again_after_a_decision(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    rule = make_rule(world, kind="overdue", threshold=2)
    first = world.ticket_in("accepted")
    world.ticket_in("accepted")
    assert sweep(db, settings, clock) == 0  # nothing is overdue yet
    # Reply due after 5 working days (Tuesday 17 March, 17:30): overdue from Wednesday.
    later(world, clock, timedelta(days=8))
    assert sweep(db, settings, clock) == 1
    assert sweep(db, settings, clock) == 0
    [w] = warnings_of(db, rule["id"])
    assert (w.observed, w.window_key, w.window_end) == (2, "open", None)

    world.ok("committee_staff", "POST", f"/warnings/{w.id}/dismiss", json={"reason": "已了解"})
    # Decided: the next sweep may raise the next one (one open warning at a time).
    assert sweep(db, settings, clock) == 1
    assert sweep(db, settings, clock) == 0
    assert [x.status for x in warnings_of(db, rule["id"])] == ["dismissed", "open"]

    # One of them answered: below K, nothing new after the next decision.
    world.ok(
        "dept_lead_staff", "POST", f"/tickets/{first['id']}/reply", json={"content": "已处理。"}
    )
    second = warnings_of(db, rule["id"])[1]
    world.ok("committee_staff", "POST", f"/warnings/{second.id}/dismiss", json={"reason": "好转"})
    assert sweep(db, settings, clock) == 0


def test_inactive_and_deleted_rules_raise_nothing(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    paused = make_rule(world, kind="volume", threshold=1, days=7, is_active=False)
    gone = make_rule(world, kind="volume", threshold=1, days=7)
    world.call("committee_staff", "DELETE", f"/warnings/rules/{gone['id']}")
    world.ticket_in("dispatched")
    assert sweep(db, settings, clock) == 0
    assert warnings_of(db, paused["id"]) == warnings_of(db, gone["id"]) == []


def test_no_sweep_outside_office_hours(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    rule = make_rule(world, kind="volume", threshold=1, days=7)
    world.ticket_in("dispatched")
    clock.advance(timedelta(hours=12))  # 22:00
    assert sweep(db, settings, clock) == 0
    clock.advance(timedelta(hours=12))  # Wednesday 10:00
    assert sweep(db, settings, clock) == 1
    assert len(warnings_of(db, rule["id"])) == 1
