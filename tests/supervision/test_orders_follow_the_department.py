"""Issue 8, defect 1: a supervision order belongs to the department that held the ticket.

A return, reject, withdraw or merge ends that department's live (open or acknowledged) orders
as ``void``, with the ticket action and the event that ended them; a department that takes the
ticket afterwards gets automatic and manual orders of its own; no order is left without a way
to end."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.core.clock import FrozenClock
from backend.events import contract as ev
from backend.events.contract import Actor, ActorKind, parse
from backend.models import OutboxMessage, SupervisionOrder, TicketEvent
from backend.models.enums import VoidReason
from backend.worker.runner import Worker
from tests.delivery import last_notification_id, notified
from tests.factories import World
from tests.sla.walk import orders as _orders
from tests.sla.walk import run_sweeps, travel_to

RETURN = {"reason_code": "not_our_remit", "reason": "不属于本部门职责范围"}


def raise_order(world: World, ticket_id: int) -> dict[str, Any]:
    return world.ok(
        "committee_staff",
        "POST",
        "/supervision-orders",
        json={"ticket_id": ticket_id, "reason": "师生反映强烈，列为重点督办"},
    )


def dispatch(world: World, ticket_id: int, department_id: int) -> dict[str, Any]:
    return world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{ticket_id}/dispatch",
        json={"lead_department_id": department_id},
    )


def acknowledge(world: World, order_id: int) -> dict[str, Any]:
    return world.ok(
        "dept_lead_head",
        "POST",
        f"/supervision-orders/{order_id}/acknowledge",
        json={"plan": "三日内办结"},
    )


def orders(world: World, ticket_id: int) -> list[SupervisionOrder]:
    world.db.expire_all()
    return _orders(world, ticket_id)


def timeline(world: World, ticket_id: int) -> list[TicketEvent]:
    world.db.expire_all()
    return list(
        world.db.execute(
            sa.select(TicketEvent)
            .where(col(TicketEvent.ticket_id) == ticket_id)
            .order_by(col(TicketEvent.id))
        ).scalars()
    )


def outbox_after(world: World, last_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = world.db.execute(
        sa.select(col(OutboxMessage.topic), col(OutboxMessage.payload))
        .where(col(OutboxMessage.id) > last_id)
        .order_by(col(OutboxMessage.id))
    ).all()
    return [(t, p) for t, p in rows]


def last_outbox_id(world: World) -> int:
    return int(
        world.db.execute(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0))).scalar_one()
    )


def test_a_return_voids_the_order_and_the_next_department_gets_its_own(
    world: World, clock: FrozenClock
) -> None:
    t = world.ticket_in("dispatched")
    tid = t["id"]
    order = raise_order(world, tid)
    acknowledge(world, order["id"])
    before = last_outbox_id(world)

    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/return", json=RETURN)

    events = timeline(world, tid)
    returned = next(e for e in reversed(events) if e.action == "return")
    assert [e.action for e in events[-2:]] == ["return", "supervision_voided"]
    voided = events[-1]
    assert voided.internal is True
    assert voided.actor_id is None  # it follows from the return; nobody voided it by hand
    assert voided.data == {
        "order_id": order["id"],
        "department_id": world.dept_lead.id,
        "reason": "return",
    }
    written = outbox_after(world, before)
    assert [topic for topic, _ in written] == ["ticket.return", "supervision.voided"]
    event = parse(*written[1])
    assert (event.ticket_id, event.ticket_code) == (tid, t["code"])
    assert event.internal is True
    assert event.actor == Actor(kind=ActorKind.system)
    assert event.details == ev.SupervisionVoided(
        order_id=order["id"], department_id=world.dept_lead.id, reason=VoidReason.returned
    )
    for role in ("committee_staff", "dept_lead_head"):
        seen = world.ok(role, "GET", f"/supervision-orders/{order['id']}")
        assert seen["status"] == "void"
        assert seen["void_reason"] == "return"
        assert seen["voided_by_event_id"] == returned.id
        assert seen["voided_at"] == clock.now().isoformat()
        assert seen["allowed_actions"] == []
        assert seen["overdue"] is False
    # the college never sees supervision steps
    college = world.ok("college_staff", "GET", f"/tickets/{tid}/events")
    assert not [e for e in college if e["action"].startswith("supervision")]

    # A void order is over: neither acknowledged nor closed again, and nothing changes.
    row_before = orders(world, tid)[0].model_dump()
    for role, step, body in (
        ("dept_lead_head", "acknowledge", {"plan": "x"}),
        ("committee_staff", "close", {}),
    ):
        r = world.call(role, "POST", f"/supervision-orders/{order['id']}/{step}", json=body)
        assert (r.status_code, r.json()["code"]) == (409, "invalid_state")
    assert orders(world, tid)[0].model_dump() == row_before

    # The next department gets its own order; the void one stands in for nothing.
    dispatch(world, tid, world.dept_other.id)
    mine = raise_order(world, tid)
    assert mine["department"]["id"] == world.dept_other.id
    assert mine["status"] == "open"
    # ... and one live order per department still holds.
    r = world.call(
        "committee_staff",
        "POST",
        "/supervision-orders",
        json={"ticket_id": tid, "reason": "再次督办"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "supervision_open")
    assert [o.status for o in orders(world, tid)] == ["void", "open"]


def test_the_list_filter_knows_void(world: World) -> None:
    kept = world.ticket_in("dispatched")["id"]
    gone = world.ticket_in("dispatched")["id"]
    open_id = raise_order(world, kept)["id"]
    void_id = raise_order(world, gone)["id"]
    world.ok("dept_lead_staff", "POST", f"/tickets/{gone}/return", json=RETURN)

    def listed(role: str, status: str) -> list[int]:
        page = world.ok(role, "GET", "/supervision-orders", params={"status": status})
        return [o["id"] for o in page["items"]]

    for role in ("committee_staff", "dept_lead_staff"):
        assert listed(role, "void") == [void_id]
        assert listed(role, "open") == [open_id]
    r = world.call("committee_staff", "GET", "/supervision-orders", params={"status": "gone"})
    assert r.status_code == 422


def test_the_sweep_supervises_the_next_department_after_a_return(
    world: World, clock: FrozenClock
) -> None:
    """An automatic order of the first department, acknowledged and never closed, no longer
    keeps the sweep from supervising the department the ticket went to next."""
    tid = world.ticket_in("dispatched")["id"]
    travel_to(world, clock, clock.now() + timedelta(days=14))
    assert run_sweeps(world, clock.now())["supervision"] == 1
    [first] = orders(world, tid)
    assert (first.auto, first.department_id) == (True, world.dept_lead.id)
    acknowledge(world, first.id)  # type: ignore[arg-type]

    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/return", json=RETURN)
    dispatch(world, tid, world.dept_other.id)
    travel_to(world, clock, clock.now() + timedelta(days=14))
    assert run_sweeps(world, clock.now())["supervision"] == 1
    assert [(o.department_id, o.status, o.auto) for o in orders(world, tid)] == [
        (world.dept_lead.id, "void", True),
        (world.dept_other.id, "open", True),
    ]


def legacy_order(
    db: Session, now: datetime, ticket_id: int, department_id: int, status: str
) -> int:
    """A live order on a ticket no department holds any more, as the old code left them."""
    order = SupervisionOrder(
        ticket_id=ticket_id,
        department_id=department_id,
        reason="旧数据",
        deadline=now,
        status=status,
    )
    db.add(order)
    db.commit()
    assert order.id is not None
    return order.id


@pytest.mark.parametrize("action", ["reject", "withdraw", "merge"])
def test_reject_withdraw_and_merge_end_live_orders(
    world: World, db: Session, clock: FrozenClock, action: str
) -> None:
    t = world.ticket_in("dispatched")
    tid = t["id"]
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/return", json=RETURN)
    stale = legacy_order(db, clock.now(), tid, world.dept_lead.id, "acknowledged")
    role, body = {
        "reject": ("committee_staff", {"reason": "不属于受理范围"}),
        "withdraw": ("college_staff", None),
        "merge": ("committee_staff", {"primary_id": world.ticket_in("dispatched")["id"]}),
    }[action]
    world.ok(role, "POST", f"/tickets/{tid}/{action}", json=body)
    order = db.get(SupervisionOrder, stale)
    db.refresh(order)
    assert order is not None
    assert (order.status, order.void_reason) == ("void", action)
    ended_by = db.get(TicketEvent, order.voided_by_event_id)
    assert ended_by is not None
    assert (ended_by.ticket_id, ended_by.action) == (tid, action)
    voided = timeline(world, tid)[-1]
    assert voided.action == "supervision_voided"
    assert voided.actor_id is None  # a withdrawing submitter is not named by it


def test_a_refused_return_voids_nothing(world: World) -> None:
    tid = world.ticket_in("dispatched")["id"]
    order = raise_order(world, tid)
    before = (orders(world, tid)[0].model_dump(), len(timeline(world, tid)), last_outbox_id(world))
    r = world.call("dept_assist_staff", "POST", f"/tickets/{tid}/return", json=RETURN)
    assert r.status_code == 403
    r = world.call(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/return",
        json=RETURN,
        headers={"If-Match": '"0"'},
    )
    assert r.status_code == 412
    after = (orders(world, tid)[0].model_dump(), len(timeline(world, tid)), last_outbox_id(world))
    assert after == before
    assert (
        world.ok("committee_staff", "GET", f"/supervision-orders/{order['id']}")["status"] == "open"
    )


def test_a_reopen_keeps_the_departments_order_until_it_answers_again(world: World) -> None:
    """Decided: a reopen gives the ticket back to the same department, so its order stays live
    and keeps pressing it; the committee closes it once the department has answered again."""
    tid = world.ticket_in("accepted")["id"]
    oid = raise_order(world, tid)["id"]
    acknowledge(world, oid)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已处理。"})
    world.ok("committee_staff", "POST", f"/tickets/{tid}/reopen", json={"reason": "仍未解决"})
    seen = world.ok("committee_staff", "GET", f"/supervision-orders/{oid}")
    assert (seen["status"], seen["allowed_actions"]) == ("acknowledged", [])
    r = world.call(
        "committee_staff", "POST", "/supervision-orders", json={"ticket_id": tid, "reason": "x"}
    )
    assert (r.status_code, r.json()["code"]) == (409, "supervision_open")
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已彻底解决。"})
    closed = world.ok("committee_staff", "POST", f"/supervision-orders/{oid}/close", json={})
    assert closed["status"] == "closed"


def test_an_order_still_open_on_a_closed_ticket_can_end(world: World, clock: FrozenClock) -> None:
    """Decided: closing the ticket does not end the order by itself; the department head can
    still acknowledge it and the committee then closes it."""
    tid = world.ticket_in("accepted")["id"]
    oid = raise_order(world, tid)["id"]
    for role, step, body in (
        ("dept_lead_staff", "reply", {"content": "已处理。"}),
        ("committee_staff", "revisit", {"method": "phone", "outcome": "resolved"}),
        ("college_staff", "score", {"efficiency": 5, "handling": 5, "effect": 5}),
    ):
        world.ok(role, "POST", f"/tickets/{tid}/{step}", json=body)
    head = world.ok("dept_lead_head", "GET", f"/supervision-orders/{oid}")
    assert head["allowed_actions"] == ["acknowledge"]
    acknowledge(world, oid)
    assert world.ok("committee_staff", "GET", f"/supervision-orders/{oid}")["allowed_actions"] == [
        "close"
    ]
    world.ok("committee_staff", "POST", f"/supervision-orders/{oid}/close", json={})


def test_the_department_hears_that_its_order_is_void(
    world: World, db: Session, worker: Worker
) -> None:
    tid = world.ticket_in("dispatched")["id"]
    raise_order(world, tid)
    worker.drain()
    since = last_notification_id(db)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/return", json=RETURN)
    worker.drain()
    assert notified(db, world, "supervision.voided", since) == {
        "dept_lead_head": 1,
        "dept_lead_staff": 1,
    }
