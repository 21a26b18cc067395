"""核减 (exclusions) through the API: who asks, who decides, who sees what, the one-live rule,
the events each step writes, the notices they make, and the query the statistics read."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.core.clock import FrozenClock
from backend.events import contract
from backend.exclusions.service import approved_exclusions
from backend.models import OutboxMessage, TicketEvent
from backend.models.enums import Role
from backend.models.exclusions import Exclusion
from backend.worker.runner import Worker
from tests.delivery import last_notification_id, notified
from tests.factories import Actor, World, create_user, headers_for

ASK = {"reason_kind": "malicious", "reason": "同一人一周内重复恶意投诉十余次，内容不实。"}


def ask(world: World, ticket_id: int, role: str = "dept_lead_head", **body: Any) -> Any:
    return world.call(role, "POST", "/exclusions", json={"ticket_id": ticket_id, **ASK, **body})


def asked(
    world: World, ticket_id: int, role: str = "dept_lead_head", **body: Any
) -> dict[str, Any]:
    r = ask(world, ticket_id, role, **body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def decide(world: World, eid: int, approved: bool, role: str = "committee_staff", **kw: Any) -> Any:
    return world.call(
        role, "POST", f"/exclusions/{eid}/decision", json={"approved": approved, **kw}
    )


def outbox(world: World) -> list[tuple[str, dict[str, Any]]]:
    return [
        (t, p)
        for t, p in world.db.execute(
            sa.select(col(OutboxMessage.topic), col(OutboxMessage.payload)).order_by(
                col(OutboxMessage.id)
            )
        ).all()
        if t.startswith("exclusion.")
    ]


def rows(world: World) -> list[tuple[int, int, str]]:
    world.db.expire_all()
    return [
        (e.ticket_id, e.department_id, e.status)
        for e in world.db.execute(sa.select(Exclusion).order_by(col(Exclusion.id))).scalars()
    ]


def timeline(world: World, ticket_id: int) -> list[str]:
    return list(
        world.db.execute(
            sa.select(col(TicketEvent.action)).where(col(TicketEvent.ticket_id) == ticket_id)
        ).scalars()
    )


def head_of(world: World, role: str, unit_attr: str) -> str:
    """Adds a head to one of the world's departments (the world has one for the lead only)."""
    user = create_user(world.db, getattr(world, unit_attr), Role.head)
    world.actors[role] = Actor(user, headers_for(world.db, world.settings, user))
    world.db.commit()
    return role


def test_a_head_asks_and_the_committee_approves(world: World, clock: FrozenClock) -> None:
    t = world.ticket_in("replied")
    tid = t["id"]
    steps = timeline(world, tid)
    e = asked(world, tid)
    assert e["status"] == "pending"
    assert e["direct"] is False
    assert (e["reason_kind"], e["reason"]) == (ASK["reason_kind"], ASK["reason"])
    assert e["department"]["id"] == world.dept_lead.id
    assert e["ticket"] == {"id": tid, "code": t["code"], "title": t["title"], "status": "replied"}
    assert e["requested_by"]["id"] == world["dept_lead_head"].id
    assert e["decided_by"] is None
    assert e["created_at"] == "2026-03-10T10:00:00+08:00"
    assert e["allowed_actions"] == []
    eid = e["id"]
    assert approved_exclusions(world.db) == set()  # pending counts for nothing yet

    assert world.ok("committee_staff", "GET", f"/exclusions/{eid}")["allowed_actions"] == ["decide"]
    assert world.ok("dept_lead_staff", "GET", f"/exclusions/{eid}")["allowed_actions"] == []
    r = decide(world, eid, True, "dept_lead_head")
    assert (r.status_code, r.json()["code"]) == (403, "action_forbidden")

    r = decide(world, eid, True, note="经核实属恶意投诉")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["status"] == "approved"
    assert d["decided_by"]["id"] == world["committee_staff"].id
    assert d["decision_note"] == "经核实属恶意投诉"
    assert d["allowed_actions"] == []
    assert approved_exclusions(world.db) == {(tid, world.dept_lead.id)}
    assert approved_exclusions(world.db, world.dept_lead.id) == {(tid, world.dept_lead.id)}
    assert approved_exclusions(world.db, world.dept_other.id) == set()

    # Deciding twice: refused, and the first decision stands.
    r = decide(world, eid, False, note="改为驳回")
    assert (r.status_code, r.json()["code"]) == (409, "exclusion_decided")
    again = world.ok("committee_staff", "GET", f"/exclusions/{eid}")
    assert (again["status"], again["decision_note"]) == ("approved", "经核实属恶意投诉")

    # Recorded through the outbox as typed, internal events without the texts; the ticket's
    # timeline is not where an exclusion shows.
    assert [topic for topic, _ in outbox(world)] == ["exclusion.requested", "exclusion.decided"]
    requested, decided = (contract.parse(topic, p) for topic, p in outbox(world))
    assert isinstance(requested.details, contract.ExclusionRequested)
    assert isinstance(decided.details, contract.ExclusionDecided)
    assert (requested.ticket_id, requested.internal) == (tid, True)
    assert requested.actor.user_id == world["dept_lead_head"].id
    assert requested.details.model_dump() == {
        "exclusion_id": eid,
        "department_id": world.dept_lead.id,
    }
    assert decided.details.model_dump() == {
        "exclusion_id": eid,
        "department_id": world.dept_lead.id,
        "approved": True,
        "direct": False,
    }
    assert ASK["reason"] not in str(outbox(world))
    assert timeline(world, tid) == steps


def test_a_rejected_request_may_be_asked_again(world: World) -> None:
    tid = world.ticket_in("accepted")["id"]
    first = asked(world, tid)
    r = ask(world, tid, reason_kind="duplicate")
    assert (r.status_code, r.json()["code"]) == (409, "exclusion_exists")
    assert r.json()["exclusion_id"] == first["id"]
    # The committee cannot stack a direct exclusion on a pending request either.
    r = ask(world, tid, "committee_staff", department_id=world.dept_lead.id)
    assert (r.status_code, r.json()["code"]) == (409, "exclusion_exists")
    assert rows(world) == [(tid, world.dept_lead.id, "pending")]

    assert decide(world, first["id"], False, note="理由不充分").json()["status"] == "rejected"
    assert approved_exclusions(world.db) == set()
    second = asked(world, tid, reason_kind="outside_remit", reason="属后勤集团职责")
    assert decide(world, second["id"], True).json()["status"] == "approved"
    r = ask(world, tid)
    assert (r.status_code, r.json()["code"]) == (409, "exclusion_exists")
    assert rows(world) == [
        (tid, world.dept_lead.id, "rejected"),
        (tid, world.dept_lead.id, "approved"),
    ]
    assert [topic for topic, _ in outbox(world)] == [
        "exclusion.requested",
        "exclusion.decided",
        "exclusion.requested",
        "exclusion.decided",
    ]


def test_the_committee_excludes_directly(world: World) -> None:
    tid = world.ticket_in("closed")["id"]
    # No department named: the ticket's lead department.
    e = asked(world, tid, "committee_staff", reason_kind="duplicate", reason="与另一工单重复")
    assert (e["status"], e["direct"]) == ("approved", True)
    assert e["department"]["id"] == world.dept_lead.id
    assert e["requested_by"]["id"] == e["decided_by"]["id"] == world["committee_staff"].id
    assert e["allowed_actions"] == []
    r = decide(world, e["id"], False)
    assert (r.status_code, r.json()["code"]) == (409, "exclusion_decided")
    assert approved_exclusions(world.db) == {(tid, world.dept_lead.id)}
    [(topic, payload)] = outbox(world)
    event = contract.parse(topic, payload)
    assert event.details.model_dump() == {
        "exclusion_id": e["id"],
        "department_id": world.dept_lead.id,
        "approved": True,
        "direct": True,
    }

    # A ticket with no lead department: the committee must name one that led it.
    submitted = world.submit()["id"]
    r = ask(world, submitted, "committee_staff")
    assert (r.status_code, r.json()["code"]) == (422, "exclusion_not_lead")
    # A department that never led the ticket (assisting, or never on it) is refused.
    for dept in (world.dept_assist, world.dept_other):
        r = ask(world, tid, "committee_staff", department_id=dept.id)
        assert (r.status_code, r.json()["code"]) == (422, "exclusion_not_lead"), dept.name
    r = ask(world, 999_999, "committee_staff", department_id=world.dept_lead.id)
    assert (r.status_code, r.json()["code"]) == (422, "unknown_ticket")
    assert len(rows(world)) == 1
    assert len(outbox(world)) == 1


def test_who_may_ask_and_refusals_change_nothing(world: World) -> None:
    tid = world.ticket_in("accepted")["id"]
    assist_head = head_of(world, "dept_assist_head", "dept_assist")
    other_head = head_of(world, "dept_other_head", "dept_other")
    refusals = [
        ("dept_lead_staff", {}, 403, "action_forbidden"),  # heads ask, staff do not
        ("college_head", {}, 403, "action_forbidden"),
        ("college_staff", {}, 403, "action_forbidden"),
        (assist_head, {}, 422, "exclusion_not_lead"),  # assisting is not leading
        (other_head, {}, 422, "unknown_ticket"),  # not its ticket: as if it did not exist
        ("dept_lead_head", {"department_id": world.dept_other.id}, 403, "action_forbidden"),
        ("dept_lead_head", {"ticket_id": 999_999}, 422, "unknown_ticket"),
        ("dept_lead_head", {"reason_kind": "annoying"}, 422, "validation_error"),
        ("dept_lead_head", {"reason": "   "}, 422, "validation_error"),
        ("dept_lead_head", {"status": "approved"}, 422, "validation_error"),
    ]
    for role, body, status, code in refusals:
        r = ask(world, body.pop("ticket_id", tid), role, **body)
        assert (r.status_code, r.json()["code"]) == (status, code), (role, body)
    assert rows(world) == []
    assert outbox(world) == []
    # The lead's head, naming its own department or not, is heard.
    asked(world, tid, department_id=world.dept_lead.id)
    assert rows(world) == [(tid, world.dept_lead.id, "pending")]


def test_a_former_lead_may_ask(world: World) -> None:
    tid = world.ticket_in("dispatched")["id"]
    world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/return",
        json={"reason_code": "not_our_remit", "reason": "不属于本部门职责范围"},
    )
    # Returned: no lead now, but the department led it.
    returned = asked(world, tid, reason_kind="outside_remit", reason="不属于本部门职责")
    assert decide(world, returned["id"], False).status_code == 200
    # Dispatched again, to another lead, with the former lead now assisting.
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={
            "lead_department_id": world.dept_other.id,
            "assisting_department_ids": [world.dept_lead.id],
        },
    )
    e = asked(world, tid, reason_kind="outside_remit", reason="不属于本部门职责")
    assert e["department"]["id"] == world.dept_lead.id
    # The committee's default is the lead of now.
    d = asked(world, tid, "committee_staff")
    assert (d["department"]["id"], d["status"]) == (world.dept_other.id, "approved")
    assert rows(world) == [
        (tid, world.dept_lead.id, "rejected"),
        (tid, world.dept_lead.id, "pending"),
        (tid, world.dept_other.id, "approved"),
    ]


def test_who_sees_which_exclusions(world: World) -> None:
    mine = asked(world, world.ticket_in("accepted")["id"])
    t2 = world.submit()["id"]
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{t2}/dispatch",
        json={"lead_department_id": world.dept_other.id},
    )
    other = asked(world, t2, "committee_staff")
    third = asked(world, world.ticket_in("replied")["id"], reason_kind="other", reason="其他")
    decide(world, third["id"], False)

    def listed(role: str, **params: Any) -> tuple[list[int], int]:
        page = world.ok(role, "GET", "/exclusions", params=params)
        return [e["id"] for e in page["items"]], page["total"]

    all_three = [third["id"], other["id"], mine["id"]]
    assert listed("committee_staff") == (all_three, 3)
    assert listed("committee_staff", department_id=world.dept_lead.id) == (
        [third["id"], mine["id"]],
        2,
    )
    assert listed("committee_staff", status="approved") == ([other["id"]], 1)
    assert listed("committee_staff", status="rejected") == ([third["id"]], 1)
    assert listed("committee_staff", ticket_id=t2) == ([other["id"]], 1)
    assert listed("dept_lead_staff") == ([third["id"], mine["id"]], 2)
    assert listed("dept_lead_head", status="pending") == ([mine["id"]], 1)
    assert listed("dept_other_staff") == ([other["id"]], 1)
    # A department filtering for another's sees nothing of it.
    assert listed("dept_lead_staff", department_id=world.dept_other.id) == ([], 0)
    assert listed("dept_assist_staff") == ([], 0)
    # Numbered pages carry the total of all of them.
    assert listed("committee_staff", limit=2, page=1) == (all_three[:2], 3)
    assert listed("committee_staff", limit=2, page=2) == (all_three[2:], 3)
    assert listed("committee_staff", limit=2, page=3) == ([], 3)

    for role in ("college_head", "college_staff"):
        r = world.call(role, "GET", "/exclusions")
        assert r.status_code == 403, role
        for eid in (mine["id"], other["id"]):
            assert world.call(role, "GET", f"/exclusions/{eid}").status_code == 404, role
            assert decide(world, eid, True, role).status_code == 404, role
    assert world.call("dept_other_staff", "GET", f"/exclusions/{mine['id']}").status_code == 404
    r = decide(world, mine["id"], True, "dept_other_staff")
    assert r.status_code == 404
    assert world.call("committee_staff", "GET", "/exclusions/999999").status_code == 404
    assert world.ok("dept_lead_staff", "GET", f"/exclusions/{mine['id']}")["status"] == "pending"
    r = world.call("committee_staff", "GET", "/exclusions", params={"status": "maybe"})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")


def test_the_committee_hears_of_a_request_and_the_department_of_the_decision(
    world: World, db: Session, worker: Worker
) -> None:
    tid = world.ticket_in("accepted")["id"]
    worker.drain()
    since = last_notification_id(db)
    e = asked(world, tid)
    worker.drain()
    assert notified(db, world, since=since) == {"committee_admin": 1, "committee_staff": 1}
    assert notified(db, world, "exclusion.requested", since) == {
        "committee_admin": 1,
        "committee_staff": 1,
    }
    inbox = world.ok("committee_staff", "GET", "/notifications", params={"group": "todo"})
    [notice] = [n for n in inbox["items"] if n["kind"] == "exclusion.requested"]
    assert world.dept_lead.name in notice["body"]
    assert ASK["reason"] not in notice["body"]

    since = last_notification_id(db)
    decide(world, e["id"], True)
    worker.drain()
    assert notified(db, world, since=since) == {"dept_lead_head": 1, "dept_lead_staff": 1}
    inbox = world.ok("dept_lead_staff", "GET", "/notifications")
    titles = [n["title"] for n in inbox["items"] if n["kind"] == "exclusion.decided"]
    assert len(titles) == 1
    assert titles[0].startswith("核减申请已批准")

    # A direct exclusion: the department is told, the committee (who did it) is not asked.
    t2 = world.ticket_in("accepted")["id"]
    worker.drain()
    since = last_notification_id(db)
    asked(world, t2, "committee_admin")
    worker.drain()
    assert notified(db, world, since=since) == {"dept_lead_head": 1, "dept_lead_staff": 1}


def test_the_database_holds_one_live_exclusion_per_ticket_and_department(world: World) -> None:
    tid = world.ticket_in("accepted")["id"]
    dept = world.dept_lead.id
    assert dept is not None

    def add(status: str) -> None:
        with world.db.begin_nested():
            world.db.add(
                Exclusion(
                    ticket_id=tid,
                    department_id=dept,
                    reason_kind="other",
                    reason="x",
                    status=status,
                )
            )
            world.db.flush()

    add("rejected")
    add("rejected")  # closed ones do not count
    add("pending")
    with pytest.raises(IntegrityError):
        add("approved")
    assert [s for _, _, s in rows(world)] == ["rejected", "rejected", "pending"]
