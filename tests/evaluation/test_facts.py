"""Issue 10: the per-assignment fact table, written as events happen and backfilled by replay.

Every lifecycle is driven through the real API; the expected rows come from the times the clock
gave each step and the deadlines the API answered with.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.clock import FrozenClock
from backend.models import AssignmentFact, Ticket, table
from tests.factories import World

_facts = table(AssignmentFact)
STEP = timedelta(minutes=1)  # well inside an access token's life
RETURN_BODY = {"reason_code": "not_our_remit", "reason": "不属于本部门职责范围"}
REPLY = {"content": "已更换压缩机，空调恢复制冷。"}
SCORE = {"efficiency": 5, "handling": 4, "effect": 3}  # overall 4: satisfied
MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0010_assignment_facts.py"


def facts(db: Session, ticket_id: int) -> list[dict[str, Any]]:
    rows = db.execute(
        sa.select(_facts)
        .where(_facts.c.ticket_id == ticket_id)
        .order_by(_facts.c.round_no, _facts.c.role.desc(), _facts.c.department_id)
    ).mappings()
    return [{k: v for k, v in r.items() if k != "id"} for r in rows]


def all_facts(db: Session) -> list[dict[str, Any]]:
    rows = db.execute(sa.select(_facts).order_by(_facts.c.id)).mappings()
    return [{k: v for k, v in r.items() if k != "id"} for r in rows]


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def step(clock: FrozenClock) -> datetime:
    clock.advance(STEP)
    return clock.now()


def dispatch(world: World, tid: int, lead: int, assists: list[int]) -> dict[str, Any]:
    body = {"lead_department_id": lead, "assisting_department_ids": assists}
    return world.ok("committee_staff", "POST", f"/tickets/{tid}/dispatch", json=body)


def blank(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c.name: None for c in _facts.c if c.name != "id"}
    row.update(values)
    return row


def test_a_full_lifecycle_fills_one_lead_row_and_its_assisting_row(
    world: World, db: Session, clock: FrozenClock
) -> None:
    tid = world.submit()["id"]
    t_dispatch = step(clock)
    t = dispatch(world, tid, world.dept_lead.id, [world.dept_assist.id])  # type: ignore[arg-type]
    # Nothing but the dispatch yet: one row each, the assisting one without an acceptance.
    lead = blank(
        ticket_id=tid,
        department_id=world.dept_lead.id,
        role="lead",
        round_no=1,
        dispatched_at=t_dispatch,
        accept_due_at=at(t["accept_due_at"]),
        reply_due_at=at(t["reply_due_at"]),
    )
    assist = {
        **lead,
        "department_id": world.dept_assist.id,
        "role": "assist",
        "accept_due_at": None,
    }
    assert facts(db, tid) == [lead, assist]

    t_accept = step(clock)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    ext = world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/extensions",
        json={"days": 2, "reason": "等待厂家"},
    )
    step(clock)
    t = world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/extensions/{ext['id']}/decision",
        json={"approved": True},
    )
    extended = at(t["reply_due_at"])
    assert extended > lead["reply_due_at"]
    t_reply = step(clock)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json=REPLY)
    t_revisit = step(clock)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/revisit",
        json={"method": "phone", "outcome": "partly"},
    )
    t_score = step(clock)
    world.ok("college_staff", "POST", f"/tickets/{tid}/score", json=SCORE)

    after = {
        "reply_due_at": extended,
        "revisit_outcome": "partly",
        "revisited_at": t_revisit,
        "score_efficiency": 5,
        "score_handling": 4,
        "score_effect": 3,
        "score_overall": 4,
        "satisfied": True,
        "scored_at": t_score,
    }
    assert facts(db, tid) == [
        {**lead, **after, "accepted_at": t_accept, "replied_at": t_reply},
        {**assist, **after},
    ]


def test_a_denied_extension_moves_no_deadline(world: World, db: Session) -> None:
    tid = world.ticket_in("accepted")["id"]
    before = facts(db, tid)
    ext = world.ok(
        "dept_lead_staff", "POST", f"/tickets/{tid}/extensions", json={"days": 2, "reason": "等待"}
    )
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/extensions/{ext['id']}/decision",
        json={"approved": False},
    )
    assert facts(db, tid) == before


def test_a_return_judged_unreasonable_then_a_new_dispatch_adds_a_round(
    world: World, db: Session, clock: FrozenClock
) -> None:
    tid = world.submit()["id"]
    t1 = step(clock)
    first = dispatch(world, tid, world.dept_lead.id, [world.dept_assist.id])  # type: ignore[arg-type]
    t_return = step(clock)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/return", json=RETURN_BODY)
    [ret] = world.ok("committee_staff", "GET", f"/tickets/{tid}/returns")
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/returns/{ret['id']}/judgement",
        json={"reasonable": False, "note": "属于职责"},
    )
    t2 = step(clock)
    second = dispatch(world, tid, world.dept_other.id, [])  # type: ignore[arg-type]
    t_accept = step(clock)
    world.ok("dept_other_staff", "POST", f"/tickets/{tid}/accept")

    round1 = {
        "ticket_id": tid,
        "round_no": 1,
        "dispatched_at": t1,
        "reply_due_at": at(first["reply_due_at"]),
    }
    assert facts(db, tid) == [
        blank(
            **round1,
            department_id=world.dept_lead.id,
            role="lead",
            accept_due_at=at(first["accept_due_at"]),
            returned_at=t_return,
            return_unreasonable=True,
        ),
        blank(**round1, department_id=world.dept_assist.id, role="assist"),
        blank(
            ticket_id=tid,
            round_no=2,
            department_id=world.dept_other.id,
            role="lead",
            dispatched_at=t2,
            accept_due_at=at(second["accept_due_at"]),
            accepted_at=t_accept,
            reply_due_at=at(second["reply_due_at"]),
        ),
    ]


def test_a_return_judged_reasonable_is_marked_so(world: World, db: Session) -> None:
    tid = world.ticket_in("dispatched")["id"]
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/return", json=RETURN_BODY)
    [ret] = world.ok("committee_staff", "GET", f"/tickets/{tid}/returns")
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/returns/{ret['id']}/judgement",
        json={"reasonable": True},
    )
    [lead, _assist] = facts(db, tid)
    assert (lead["role"], lead["return_unreasonable"]) == ("lead", False)
    assert lead["returned_at"] is not None


def test_a_reopen_closes_the_round_and_adds_one_for_the_same_departments(
    world: World, db: Session, clock: FrozenClock
) -> None:
    tid = world.ticket_in("replied")["id"]
    t_revisit = step(clock)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/revisit",
        json={"method": "phone", "outcome": "unresolved"},
    )
    before = facts(db, tid)
    t_reopen = step(clock)
    t = world.ok("committee_staff", "POST", f"/tickets/{tid}/reopen", json={"reason": "仍不制冷"})
    t_accept = step(clock)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    t_reply = step(clock)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json=REPLY)

    # The first round keeps everything it had, and says when it was reopened.
    closed = [{**r, "reopened_at": t_reopen} for r in before]
    assert [r["revisit_outcome"] for r in before] == ["unresolved", "unresolved"]
    assert all(r["revisited_at"] == t_revisit and r["replied_at"] is None for r in before[1:])
    base = {"ticket_id": tid, "round_no": 2, "dispatched_at": t_reopen}
    assert facts(db, tid) == [
        *closed,
        blank(
            **base,
            department_id=world.dept_lead.id,
            role="lead",
            accept_due_at=at(t["accept_due_at"]),
            accepted_at=t_accept,
            reply_due_at=at(t["reply_due_at"]),
            replied_at=t_reply,
        ),
        blank(
            **base,
            department_id=world.dept_assist.id,
            role="assist",
            reply_due_at=at(t["reply_due_at"]),
        ),
    ]


def test_a_merged_tickets_score_counts_for_the_department_that_replied(
    world: World, db: Session, clock: FrozenClock
) -> None:
    root = world.ticket_in(
        "dispatched",
    )["id"]
    follower = world.submit(role="college_staff")["id"]
    world.ok("committee_staff", "POST", f"/tickets/{follower}/merge", json={"primary_id": root})
    # Merging adds no assignment: the merged ticket was never given to anyone.
    assert facts(db, follower) == []
    world.ok("dept_lead_staff", "POST", f"/tickets/{root}/accept")
    world.ok("dept_lead_staff", "POST", f"/tickets/{root}/reply", json=REPLY)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{root}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )
    root_rows = facts(db, root)
    t_score = step(clock)
    world.ok("college_staff", "POST", f"/tickets/{follower}/score", json={**SCORE, "effect": 1})

    assert facts(db, follower) == [
        blank(
            ticket_id=follower,
            department_id=world.dept_lead.id,
            role="merged",
            round_no=1,
            score_efficiency=5,
            score_handling=4,
            score_effect=1,
            score_overall=3,
            satisfied=False,
            scored_at=t_score,
        )
    ]
    # The root's own rows wait for the root's own score.
    assert facts(db, root) == root_rows
    assert all(r["scored_at"] is None for r in root_rows)


def _load_migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0010", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_backfill_replays_the_timeline_into_the_rows_written_live(
    world: World, db: Session, clock: FrozenClock
) -> None:
    # A bit of every history: the lifecycles above, interleaved.
    closed = world.ticket_in("closed")["id"]
    reopened = world.ticket_in("replied")["id"]
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{reopened}/revisit",
        json={"method": "visit", "outcome": "unresolved"},
    )
    step(clock)
    world.ok("committee_staff", "POST", f"/tickets/{reopened}/reopen", json={"reason": "仍不制冷"})
    returned = world.ticket_in("dispatched")["id"]
    world.ok("dept_lead_staff", "POST", f"/tickets/{returned}/return", json=RETURN_BODY)
    [ret] = world.ok("committee_staff", "GET", f"/tickets/{returned}/returns")
    dispatch(world, returned, world.dept_other.id, [world.dept_lead.id])  # type: ignore[arg-type]
    # Judged after the next dispatch: it still lands on the round that was returned.
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{returned}/returns/{ret['id']}/judgement",
        json={"reasonable": False},
    )
    accepted = world.ticket_in("accepted")["id"]
    ext = world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{accepted}/extensions",
        json={"days": 3, "reason": "等待备件"},
    )
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{accepted}/extensions/{ext['id']}/decision",
        json={"approved": True},
    )
    root = world.ticket_in("dispatched")["id"]
    follower = world.submit()["id"]
    world.ok("committee_staff", "POST", f"/tickets/{follower}/merge", json={"primary_id": root})
    world.ok("dept_lead_staff", "POST", f"/tickets/{root}/accept")
    world.ok("dept_lead_staff", "POST", f"/tickets/{root}/reply", json=REPLY)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{root}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )
    world.ok("college_staff", "POST", f"/tickets/{follower}/score", json=SCORE)

    live = all_facts(db)
    ours = {closed, reopened, returned, accepted, root, follower}
    assert {r["ticket_id"] for r in live} >= ours
    [judged] = [r for r in live if r["ticket_id"] == returned and r["returned_at"] is not None]
    assert judged["return_unreasonable"] is True

    db.execute(_facts.delete())
    assert all_facts(db) == []
    _load_migration().backfill(db.connection())
    assert all_facts(db) == live
    # The replay wrote what it read: the tickets' own columns agree with their last round.
    for tid in ours - {follower}:
        ticket = db.get(Ticket, tid)
        assert ticket is not None
        last = [r for r in facts(db, tid) if r["role"] == "lead"][-1]
        assert (last["dispatched_at"], last["reply_due_at"]) == (
            ticket.dispatched_at,
            ticket.reply_due_at,
        )


def test_a_refused_action_changes_no_fact(world: World, db: Session) -> None:
    tid = world.ticket_in("dispatched")["id"]
    before = facts(db, tid)
    # Replying before accepting is refused for the state; the assisting department may not accept.
    assert (
        world.call("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json=REPLY).status_code
        == 409
    )
    assert world.call("dept_assist_staff", "POST", f"/tickets/{tid}/accept").status_code in (
        403,
        404,
    )
    assert facts(db, tid) == before
    assert [r["accepted_at"] for r in before] == [None, None]
