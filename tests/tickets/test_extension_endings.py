"""Issue 8, defect 2: an extension request cannot be orphaned.

When the ticket leaves ``accepted`` (the reply is the only way out of it; a reopen leads back to
``dispatched``), a pending request ends as ``superseded``, with the time and the action that
superseded it. The pending filter, ``/tickets/counts`` and so the workbench tile show only
requests that can still be decided, and a reopened ticket can ask again (the limit counts
approved extensions, as before)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.core.clock import FrozenClock
from backend.models import Extension, TicketEvent
from tests.factories import World

ASK = {"days": 2, "reason": "需要等待设备厂家上门维修"}
REPLY = {"content": "已更换压缩机，空调恢复制冷。"}


def ask(world: World, ticket_id: int) -> dict[str, Any]:
    return world.ok("dept_lead_staff", "POST", f"/tickets/{ticket_id}/extensions", json=ASK)


def decide(world: World, ticket_id: int, extension_id: int) -> Any:
    return world.call(
        "committee_staff",
        "POST",
        f"/tickets/{ticket_id}/extensions/{extension_id}/decision",
        json={"approved": True},
    )


def pending_ids(world: World, role: str) -> list[int]:
    page = world.ok(role, "GET", "/tickets", params={"pending_extension": "true", "limit": 100})
    return [t["id"] for t in page["items"]]


def extension_row(db: Session, extension_id: int) -> Extension:
    db.expire_all()
    ext = db.get(Extension, extension_id)
    assert ext is not None
    return ext


def test_a_reply_supersedes_the_pending_request(
    world: World, db: Session, clock: FrozenClock
) -> None:
    tid = world.ticket_in("accepted")["id"]
    other = world.ticket_in("accepted")["id"]
    ext = ask(world, tid)
    ask(world, other)  # stays pending: the filter still finds what can be decided
    for role in ("committee_staff", "dept_lead_staff"):
        assert world.ok(role, "GET", "/tickets/counts")["pending_extensions"] == 2
        assert set(pending_ids(world, role)) == {tid, other}

    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json=REPLY)

    row = extension_row(db, ext["id"])
    reply_event = db.execute(
        sa.select(col(TicketEvent.id)).where(
            col(TicketEvent.ticket_id) == tid, col(TicketEvent.action) == "reply"
        )
    ).scalar_one()
    assert (row.status, row.superseded_by, row.superseded_by_event_id) == (
        "superseded",
        "reply",
        reply_event,
    )
    assert row.superseded_at == clock.now()
    assert (row.decided_at, row.decided_by_id) == (None, None)  # nobody decided it
    [seen] = world.ok("committee_staff", "GET", f"/tickets/{tid}/extensions")
    assert (seen["status"], seen["superseded_by"]) == ("superseded", "reply")
    assert seen["superseded_at"] == clock.now().isoformat()

    for role in ("committee_staff", "dept_lead_staff"):
        assert world.ok(role, "GET", "/tickets/counts")["pending_extensions"] == 1
        assert pending_ids(world, role) == [other]
        page = world.ok(role, "GET", "/tickets", params={"pending_extension": "false"})
        assert tid in [t["id"] for t in page["items"]]
    assert (
        "decide_extension"
        not in world.ok("committee_staff", "GET", f"/tickets/{tid}")["allowed_actions"]
    )


def test_a_refused_reply_supersedes_nothing(world: World, db: Session) -> None:
    tid = world.ticket_in("accepted")["id"]
    ext = ask(world, tid)
    r = world.call("dept_assist_staff", "POST", f"/tickets/{tid}/reply", json=REPLY)
    assert r.status_code == 403
    r = world.call(
        "dept_lead_staff", "POST", f"/tickets/{tid}/reply", json=REPLY, headers={"If-Match": '"0"'}
    )
    assert r.status_code == 412
    row = extension_row(db, ext["id"])
    assert (row.status, row.superseded_at, row.superseded_by) == ("pending", None, None)
    assert world.ok("committee_staff", "GET", "/tickets/counts")["pending_extensions"] == 1


def test_a_reopened_ticket_can_ask_again_and_only_approved_ones_count(
    world: World, db: Session
) -> None:
    tid = world.ticket_in("accepted")["id"]
    first = ask(world, tid)
    assert decide(world, tid, first["id"]).status_code == 200
    orphan = ask(world, tid)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json=REPLY)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/revisit",
        json={"method": "phone", "outcome": "unresolved"},
    )
    world.ok("committee_staff", "POST", f"/tickets/{tid}/reopen", json={"reason": "仍不制冷"})
    t = world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    assert t["extension_count"] == 1
    assert "request_extension" in t["allowed_actions"]

    # The superseded request is over: deciding it now is refused and changes nothing.
    version = world.ok("committee_staff", "GET", f"/tickets/{tid}")["version"]
    r = decide(world, tid, orphan["id"])
    assert (r.status_code, r.json()["code"]) == (409, "extension_decided")
    assert extension_row(db, orphan["id"]).status == "superseded"
    assert world.ok("committee_staff", "GET", f"/tickets/{tid}")["version"] == version

    # Asking again works; the default limit of three counts the approved ones only.
    for _ in range(2):
        again = ask(world, tid)
        assert decide(world, tid, again["id"]).status_code == 200
    r = world.call("dept_lead_staff", "POST", f"/tickets/{tid}/extensions", json=ASK)
    assert (r.status_code, r.json()["code"]) == (409, "extension_limit")
    statuses = [
        e["status"] for e in world.ok("committee_staff", "GET", f"/tickets/{tid}/extensions")
    ]
    assert statuses == ["approved", "superseded", "approved", "approved"]
