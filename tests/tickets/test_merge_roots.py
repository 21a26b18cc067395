"""Issue 8, defect 3: merges resolve to the root.

Merging into a ticket that is itself merged goes to its root (cycles and roots that are no
longer open are refused with a clear problem); scope, notifications, the ticket view and the
public lookup all follow the one root (``backend.tickets.roots``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.models import Notification, Ticket, TicketEvent
from backend.worker.runner import Worker
from tests.delivery import last_notification_id
from tests.factories import World
from tests.tickets.test_transitions import assert_problem, snapshot

SCORE = {"efficiency": 5, "handling": 4, "effect": 5}


def merge(world: World, ticket_id: int, primary_id: int) -> Any:
    return world.call(
        "committee_staff", "POST", f"/tickets/{ticket_id}/merge", json={"primary_id": primary_id}
    )


def merged(world: World, ticket_id: int, primary_id: int) -> dict[str, Any]:
    r = merge(world, ticket_id, primary_id)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def row(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    t = db.get(Ticket, ticket_id)
    assert t is not None
    return t


def dispatched(world: World, role: str) -> dict[str, Any]:
    t = world.submit(role=role)
    return world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{t['id']}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )


def test_merging_into_a_merged_ticket_goes_to_its_root(world: World, db: Session) -> None:
    root = dispatched(world, "college_other_staff")
    first = world.submit()
    merged(world, first["id"], root["id"])
    later = world.submit(role="college_staff2")

    out = merged(world, later["id"], first["id"])

    assert out["merged_into"]["id"] == root["id"]
    t = row(db, later["id"])
    assert (t.merged_into_id, t.merge_root_id) == (root["id"], root["id"])
    [event] = db.execute(
        sa.select(TicketEvent).where(
            col(TicketEvent.ticket_id) == later["id"], col(TicketEvent.action) == "merge"
        )
    ).scalars()
    assert event.data == {
        "primary_id": root["id"],
        "primary_code": root["code"],
        "requested_primary_id": first["id"],
    }
    merged_in = db.execute(
        sa.select(col(TicketEvent.ticket_id), col(TicketEvent.data)).where(
            col(TicketEvent.action) == "merged_in"
        )
    ).all()
    assert [tid for tid, _ in merged_in] == [root["id"], root["id"]]  # never on the merged one
    # the colleague's college follows the root
    assert world.ok("college_staff2", "GET", f"/tickets/{root['id']}")["id"] == root["id"]


def test_a_root_merged_later_takes_its_followers_along(world: World, db: Session) -> None:
    """X into R, then R into S: X follows S (scope, view, lookup), one root for all of them."""
    s = dispatched(world, "college_other_staff")
    r = world.submit(role="college_other_head")
    x = world.submit(anonymity="full")  # college_staff's, with a tracking code
    merged(world, x["id"], r["id"])
    x_version = row(db, x["id"]).version
    assert world.ok("college_head", "GET", f"/tickets/{r['id']}")["id"] == r["id"]

    merged(world, r["id"], s["id"])

    t = row(db, x["id"])
    assert (t.merged_into_id, t.merge_root_id) == (r["id"], s["id"])  # history kept, root moved
    assert t.version == x_version + 1  # what it shows changed with its root
    # X's college (its head: X is fully anonymous) now follows S, and no longer R.
    listed = {i["id"] for i in world.ok("college_head", "GET", "/tickets")["items"]}
    assert s["id"] in listed
    assert r["id"] not in listed
    assert world.ok("college_head", "GET", f"/tickets/{s['id']}")["allowed_actions"] == []
    assert world.call("college_head", "GET", f"/tickets/{r['id']}").status_code == 404

    world.ok("dept_lead_staff", "POST", f"/tickets/{s['id']}/accept")
    world.ok(
        "dept_lead_staff", "POST", f"/tickets/{s['id']}/reply", json={"content": "已修复电梯。"}
    )
    mine = world.ok("college_head", "GET", f"/tickets/{x['id']}")
    assert mine["merged_into"]["id"] == s["id"]
    assert mine["reply"]["content"] == "已修复电梯。"
    assert mine["reply"]["department"]["id"] == world.dept_lead.id

    code = x["tracking_code"]
    looked = world.client.get(f"/api/v1/public/tickets/{code}").json()
    assert (looked["merged_into"], looked["status"], looked["can_score"]) == (
        s["code"],
        "replied",
        False,
    )
    assert looked["reply"]["content"] == "已修复电梯。"
    revisit = {"method": "phone", "outcome": "resolved"}
    world.ok("committee_staff", "POST", f"/tickets/{s['id']}/revisit", json=revisit)
    looked = world.client.get(f"/api/v1/public/tickets/{code}").json()
    assert (looked["status"], looked["can_score"], looked["revisit_outcome"]) == (
        "revisited",
        True,
        "resolved",
    )
    assert "score" in world.ok("college_head", "GET", f"/tickets/{x['id']}")["allowed_actions"]


def test_cycles_and_roots_no_longer_open_are_refused(world: World, db: Session) -> None:
    a = world.submit()
    b = world.submit(role="college_staff2")
    merged(world, a["id"], b["id"])
    before = [snapshot(db, i) for i in (a["id"], b["id"])]
    r = merge(world, b["id"], a["id"])
    assert_problem(r, 409, "merge_cycle")
    assert (r.json()["root_id"], r.json()["root_code"]) == (b["id"], b["code"])
    assert [snapshot(db, i) for i in (a["id"], b["id"])] == before

    c = world.submit()
    d = world.submit(role="college_other_staff")
    merged(world, c["id"], d["id"])
    world.ok("committee_staff", "POST", f"/tickets/{d['id']}/reject", json={"reason": "不予受理"})
    e = world.submit()
    before = [snapshot(db, i) for i in (c["id"], d["id"], e["id"])]
    r = merge(world, e["id"], c["id"])
    assert_problem(r, 409, "primary_not_open")
    assert r.json()["root_code"] == d["code"]
    assert_problem(merge(world, e["id"], e["id"]), 422, "merge_into_self")
    assert_problem(merge(world, e["id"], 987_654_321), 422, "unknown_primary")
    assert [snapshot(db, i) for i in (c["id"], d["id"], e["id"])] == before


def notices(db: Session, since: int, kind: str) -> dict[int, set[str | None]]:
    out: dict[int, set[str | None]] = {}
    for user_id, link in db.execute(
        sa.select(col(Notification.user_id), col(Notification.link)).where(
            col(Notification.id) > since, col(Notification.kind) == kind
        )
    ):
        out.setdefault(user_id, set()).add(link)
    return out


def test_every_submitter_is_told_on_their_own_ticket(
    world: World, db: Session, worker: Worker
) -> None:
    root = dispatched(world, "college_other_staff")
    named = world.submit()  # college_staff's
    anonymous = world.submit(role="college_staff2", anonymity="full")  # no account: the heads
    for t in (named, anonymous):
        merged(world, t["id"], root["id"])
    world.ok("dept_lead_staff", "POST", f"/tickets/{root['id']}/accept")
    worker.drain()

    want = {
        world["college_other_staff"].id: {f"/tickets/{root['id']}"},
        world["college_staff"].id: {f"/tickets/{named['id']}"},
        world["college_head"].id: {f"/tickets/{anonymous['id']}"},
    }
    since = last_notification_id(db)
    world.ok(
        "dept_lead_staff", "POST", f"/tickets/{root['id']}/reply", json={"content": "已处理。"}
    )
    worker.drain()
    assert notices(db, since, "ticket.reply") == {
        **want,
        world["committee_admin"].id: {f"/tickets/{root['id']}"},
        world["committee_staff"].id: {f"/tickets/{root['id']}"},
    }
    since = last_notification_id(db)
    revisit = {"method": "phone", "outcome": "resolved"}
    world.ok("committee_staff", "POST", f"/tickets/{root['id']}/revisit", json=revisit)
    worker.drain()
    assert notices(db, since, "ticket.revisit") == want

    # A merged ticket's own score reaches the department that answered, on the root it sees.
    since = last_notification_id(db)
    world.ok("college_staff", "POST", f"/tickets/{named['id']}/score", json=SCORE)
    worker.drain()
    got = notices(db, since, "ticket.score")
    for role in ("dept_lead_head", "dept_lead_staff"):
        assert got[world[role].id] == {f"/tickets/{root['id']}"}, role
    for role in ("committee_admin", "committee_staff"):
        assert got[world[role].id] == {f"/tickets/{named['id']}"}, role
