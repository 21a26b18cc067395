"""Supervision orders through the API: who raises, sees, acknowledges and closes them, the
state rules, and the timeline and outbox events each step writes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from backend.core.clock import FrozenClock
from backend.events import contract
from backend.models import OutboxMessage, TicketEvent
from tests.factories import World


def raise_order(world: World, ticket_id: int, **body: Any) -> dict[str, Any]:
    return world.ok(
        "committee_staff",
        "POST",
        "/supervision-orders",
        json={"ticket_id": ticket_id, "reason": "师生反映强烈，列为重点督办", **body},
    )


def events(world: World, ticket_id: int) -> list[str]:
    return list(
        world.db.execute(
            sa.select(col(TicketEvent.action))
            .where(col(TicketEvent.ticket_id) == ticket_id)
            .order_by(col(TicketEvent.id))
        ).scalars()
    )


def outbox(world: World) -> list[tuple[str, dict[str, Any]]]:
    return [
        (t, p)
        for t, p in world.db.execute(
            sa.select(col(OutboxMessage.topic), col(OutboxMessage.payload)).order_by(
                col(OutboxMessage.id)
            )
        ).all()
        if t.startswith("supervision.")
    ]


def test_the_whole_life_of_an_order(world: World, clock: FrozenClock) -> None:
    t = world.ticket_in("accepted")
    tid = t["id"]
    o = raise_order(world, tid)
    assert o["status"] == "open"
    assert o["auto"] is False
    assert o["department"]["id"] == world.dept_lead.id
    assert o["ticket"] == {"id": tid, "code": t["code"], "title": t["title"], "status": "accepted"}
    assert o["raised_by"]["id"] == world["committee_staff"].id
    # Default new deadline: three working days (Tuesday 10:00 → Friday's close).
    assert o["deadline"] == "2026-03-13T17:30:00+08:00"
    assert o["allowed_actions"] == []
    oid = o["id"]

    head = world.ok("dept_lead_head", "GET", f"/supervision-orders/{oid}")
    assert head["allowed_actions"] == ["acknowledge"]
    # Staff of the department may read it but not acknowledge it; nor may the committee.
    for role in ("dept_lead_staff", "committee_staff"):
        r = world.call(role, "POST", f"/supervision-orders/{oid}/acknowledge", json={"plan": "x"})
        assert (r.status_code, r.json()["code"]) == (403, "action_forbidden"), role
    # Closing before acknowledgement: wrong state.
    r = world.call("committee_staff", "POST", f"/supervision-orders/{oid}/close", json={})
    assert (r.status_code, r.json()["code"]) == (409, "invalid_state")

    plan = "三日内更换压缩机，并每周巡检。"
    a = world.ok(
        "dept_lead_head", "POST", f"/supervision-orders/{oid}/acknowledge", json={"plan": plan}
    )
    assert a["status"] == "acknowledged"
    assert a["plan"] == plan
    assert a["acknowledged_by"]["id"] == world["dept_lead_head"].id
    again = world.call(
        "dept_lead_head", "POST", f"/supervision-orders/{oid}/acknowledge", json={"plan": plan}
    )
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")

    # The ticket is not answered yet: the committee cannot close the order.
    r = world.call("committee_staff", "POST", f"/supervision-orders/{oid}/close", json={})
    assert (r.status_code, r.json()["code"]) == (409, "ticket_not_answered")
    assert world.ok("committee_staff", "GET", f"/supervision-orders/{oid}")["allowed_actions"] == []

    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已解决。"})
    assert world.ok("committee_staff", "GET", f"/supervision-orders/{oid}")["allowed_actions"] == [
        "close"
    ]
    r = world.call("dept_lead_head", "POST", f"/supervision-orders/{oid}/close", json={})
    assert r.status_code == 403
    c = world.ok(
        "committee_staff", "POST", f"/supervision-orders/{oid}/close", json={"note": "整改到位"}
    )
    assert c["status"] == "closed"
    assert c["close_note"] == "整改到位"
    assert c["closed_by"]["id"] == world["committee_staff"].id

    assert events(world, tid)[-3:] == ["supervision_acknowledged", "reply", "supervision_closed"]
    assert "supervise" in events(world, tid)
    assert [topic for topic, _ in outbox(world)] == [
        "supervision.raised",
        "supervision.acknowledged",
        "supervision.closed",
    ]
    for topic, payload in outbox(world):
        event = contract.parse(topic, payload)
        assert (event.ticket_id, event.ticket_code, event.internal) == (tid, t["code"], True)
        assert event.details.model_dump(include={"order_id", "department_id"}) == {
            "order_id": oid,
            "department_id": world.dept_lead.id,
        }
    # The supervision steps are internal: the college's timeline does not show them.
    college_view = world.ok("college_staff", "GET", f"/tickets/{tid}/events")
    assert not [e for e in college_view if e["action"].startswith("supervis")]


def test_who_sees_which_orders(world: World) -> None:
    mine = raise_order(world, world.ticket_in("dispatched")["id"])
    t2 = world.submit()
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{t2['id']}/dispatch",
        json={"lead_department_id": world.dept_other.id},
    )
    other = raise_order(world, t2["id"])

    def listed(role: str, **params: Any) -> list[int]:
        return [
            o["id"] for o in world.ok(role, "GET", "/supervision-orders", params=params)["items"]
        ]

    assert listed("committee_staff") == [other["id"], mine["id"]]
    assert listed("committee_staff", department_id=world.dept_lead.id) == [mine["id"]]
    assert listed("dept_lead_staff") == [mine["id"]]
    assert listed("dept_other_staff") == [other["id"]]
    assert listed("dept_assist_staff") == []  # assisting is not being supervised
    assert listed("committee_staff", status="closed") == []
    for role in ("college_head", "college_staff"):
        assert world.call(role, "GET", "/supervision-orders").status_code == 403
        r = world.call(role, "GET", f"/supervision-orders/{mine['id']}")
        assert r.status_code == 404, role
    r = world.call("dept_other_staff", "GET", f"/supervision-orders/{mine['id']}")
    assert r.status_code == 404
    r = world.call(
        "dept_other_staff",
        "POST",
        f"/supervision-orders/{mine['id']}/acknowledge",
        json={"plan": "x"},
    )
    assert r.status_code == 404

    # Keyset pages.
    page = world.ok("committee_staff", "GET", "/supervision-orders", params={"limit": 1})
    assert [o["id"] for o in page["items"]] == [other["id"]]
    rest = world.ok(
        "committee_staff",
        "GET",
        "/supervision-orders",
        params={"limit": 1, "before": page["next_cursor"]},
    )
    assert [o["id"] for o in rest["items"]] == [mine["id"]]
    assert rest["next_cursor"] is None


def test_raising_by_hand_is_checked(world: World) -> None:
    submitted = world.submit()["id"]
    accepted = world.ticket_in("accepted")["id"]
    r = world.call(
        "dept_lead_head", "POST", "/supervision-orders", json={"ticket_id": accepted, "reason": "x"}
    )
    assert (r.status_code, r.json()["code"]) == (403, "action_forbidden")
    r = world.call(
        "committee_staff",
        "POST",
        "/supervision-orders",
        json={"ticket_id": submitted, "reason": "x"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "not_with_department")
    r = world.call(
        "committee_staff",
        "POST",
        "/supervision-orders",
        json={"ticket_id": accepted, "reason": "x", "deadline": "2026-03-01T10:00:00+08:00"},
    )
    assert (r.status_code, r.json()["code"]) == (422, "deadline_in_past")
    before = len(outbox(world))
    # Typed after Friday's close: it ends at the close of the next working day, never at a
    # time the office is shut.
    o = raise_order(world, accepted, deadline="2026-03-20T18:00:00+08:00")
    assert o["deadline"] == "2026-03-23T17:30:00+08:00"
    r = world.call(
        "committee_staff",
        "POST",
        "/supervision-orders",
        json={"ticket_id": accepted, "reason": "x"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "supervision_open")
    # The refused attempts wrote nothing.
    assert len(outbox(world)) == before + 1
    r = world.call(
        "committee_staff", "POST", "/supervision-orders", json={"ticket_id": 999999, "reason": "x"}
    )
    assert (r.status_code, r.json()["code"]) == (422, "unknown_ticket")
