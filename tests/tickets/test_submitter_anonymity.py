"""Defect 14: every action from the submitting side carries the anonymity of the ticket it acts
through: the timeline, the attachment row, notifications and the event payloads.

Each test searches whole responses for the acting person's display name and username.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.events import contract
from backend.models import Attachment, OutboxMessage, Ticket, User
from backend.tickets import closing, permissions
from backend.tickets.context import Ctx
from backend.tickets.schemas import ScoreBody
from backend.tickets.transitions import Rel
from backend.worker.runner import Worker
from tests.factories import World

SCORE = {"efficiency": 5, "handling": 4, "effect": 5}


def _to_revisited(w: World, tid: int) -> None:
    dispatch = {"lead_department_id": w.dept_lead.id, "assisting_department_ids": []}
    w.ok("committee_staff", "POST", f"/tickets/{tid}/dispatch", json=dispatch)
    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已处理。"})
    revisit = {"method": "phone", "outcome": "resolved"}
    w.ok("committee_staff", "POST", f"/tickets/{tid}/revisit", json=revisit)


def _read_as(w: World, role: str, tid: int) -> str:
    seen: dict[str, Any] = {
        "ticket": w.ok(role, "GET", f"/tickets/{tid}"),
        "events": w.ok(role, "GET", f"/tickets/{tid}/events"),
        "attachments": w.ok(role, "GET", f"/tickets/{tid}/attachments"),
        "notifications": w.ok(role, "GET", "/notifications", params={"limit": 100}),
    }
    return json.dumps(seen, ensure_ascii=False)


def _names(user: User) -> list[str]:
    return [user.display_name, user.username]


def _payload_actors(db: Session, tid: int) -> list[tuple[str, contract.Actor]]:
    rows = db.execute(sa.select(col(OutboxMessage.topic), col(OutboxMessage.payload))).all()
    events = [contract.parse(topic, payload) for topic, payload in rows]
    return [(e.event, e.actor) for e in events if e.ticket_id == tid]


def _raise_attach_and_score(w: World, anonymity: str) -> int:
    """The college head raises a ticket, attaches a file as the new-ticket form does, and
    scores the answer."""
    t = w.submit("college_head", anonymity=anonymity)
    tid = t["id"]
    files = {"file": ("说明.txt", b"three rooms, no cooling", "text/plain")}
    r = w.call("college_head", "POST", f"/tickets/{tid}/attachments", files=files)
    assert r.status_code == 201, r.text
    _to_revisited(w, tid)
    w.ok("college_head", "POST", f"/tickets/{tid}/score", json=SCORE)
    return int(tid)


def test_a_college_head_who_raised_a_fully_anonymous_ticket_stays_unnamed(
    world: World, db: Session, worker: Worker
) -> None:
    w = world
    head = w["college_head"].user
    tid = _raise_attach_and_score(w, "full")
    worker.drain()
    for role in ("dept_lead_staff", "dept_lead_head", "committee_staff"):
        text = _read_as(w, role, tid)
        assert "说明.txt" in text  # the attachment and its event are there to be read
        for name in _names(head):
            assert name not in text, (role, name)
    actors = dict(_payload_actors(db, tid))
    for topic in ("ticket.submit", "ticket.attach", "ticket.score"):
        assert actors[topic].user_id is None, topic
        assert actors[topic].kind != contract.ActorKind.committee, topic
    attachment = db.execute(
        sa.select(Attachment).where(col(Attachment.ticket_id) == tid)
    ).scalar_one()
    assert attachment.uploaded_by_id is None


def test_a_named_ticket_shows_the_same_actions_by_name(world: World, db: Session) -> None:
    """The control: the same search finds the name where the ticket names its submitter."""
    w = world
    head = w["college_head"].user
    tid = _raise_attach_and_score(w, "named")
    text = json.dumps(w.ok("dept_lead_staff", "GET", f"/tickets/{tid}/events"), ensure_ascii=False)
    assert head.display_name in text
    actors = dict(_payload_actors(db, tid))
    assert actors["ticket.attach"].user_id == head.id
    assert actors["ticket.score"].user_id == head.id


def test_a_college_head_scoring_a_department_tier_ticket_is_hidden_from_the_department(
    world: World, db: Session
) -> None:
    w = world
    head = w["college_head"].user
    t = w.submit("college_staff")  # anonymous to the department
    _to_revisited(w, t["id"])
    w.ok("college_head", "POST", f"/tickets/{t['id']}/score", json=SCORE)
    dept_view = _read_as(w, "dept_lead_staff", t["id"])
    for name in _names(head):
        assert name not in dept_view, name
    # The committee knows who raised and who scored a ticket of this tier.
    committee_view = _read_as(w, "committee_staff", t["id"])
    assert head.display_name in committee_view
    assert dict(_payload_actors(db, t["id"]))["ticket.score"].user_id is None


def test_a_merged_submitter_acting_on_the_root_stays_unnamed(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    w = world
    staff = w["college_staff"].user
    # Anonymous to the department: the root's own college head may see the root's submitter.
    root = w.submit("college_other_staff")
    child = w.submit("college_staff")
    merge = {"primary_id": root["id"]}
    w.ok("committee_staff", "POST", f"/tickets/{child['id']}/merge", json=merge)
    _to_revisited(w, root["id"])
    # Through the service, past the transition table: the table decides *whether* a merged
    # submitter may act on the root; whatever they may do must carry their ticket's anonymity.
    ticket = db.get(Ticket, root["id"], populate_existing=True)
    assert ticket is not None
    p = w.subject("college_staff")
    ctx = Ctx(session=db, settings=settings, now=clock.now(), subject=p)
    rels = permissions.relations(db, p, ticket)
    assert Rel.merged_submitter in rels
    closing.apply_score(ctx, ticket, rels, ScoreBody(**SCORE), via="college")
    for role in ("dept_lead_staff", "college_other_head", "committee_staff"):
        events = w.ok(role, "GET", f"/tickets/{root['id']}/events")
        assert "score" in [e["action"] for e in events]  # type: ignore[index]
        text = json.dumps(events, ensure_ascii=False)
        for name in _names(staff):
            assert name not in text, (role, name)
    assert dict(_payload_actors(db, root["id"]))["ticket.score"].user_id is None


@pytest.mark.parametrize(
    ("anonymity", "scorer"),
    [("department", "college_staff"), ("full", "college_head"), ("named", "college_staff")],
)
def test_a_merged_submitter_scoring_their_own_ticket_carries_its_anonymity(
    world: World, db: Session, worker: Worker, anonymity: str, scorer: str
) -> None:
    """A merged ticket is scored on its own ticket (defect 3); the score event there carries
    that ticket's anonymity, and what the department reads of it on the root names nobody."""
    w = world
    person = w[scorer].user
    root = w.submit("college_other_staff", anonymity="named")
    child = w.submit("college_staff", anonymity=anonymity)
    w.ok(
        "committee_staff", "POST", f"/tickets/{child['id']}/merge", json={"primary_id": root["id"]}
    )
    _to_revisited(w, root["id"])
    w.ok(scorer, "POST", f"/tickets/{child['id']}/score", json=SCORE)
    worker.drain()

    [actor] = [a for topic, a in _payload_actors(db, child["id"]) if topic == "ticket.score"]
    assert actor.user_id == (person.id if anonymity == "named" else None)
    # The department hears of the score on the root; nothing there names who scored.
    for role in ("dept_lead_staff", "dept_lead_head", "college_other_head"):
        text = _read_as(w, role, root["id"])
        assert "收到评价" in text or role == "college_other_head"
        for name in _names(person):
            assert name not in text, (role, name)
    events = w.ok("committee_staff", "GET", f"/tickets/{child['id']}/events")
    committee = json.dumps(events, ensure_ascii=False)
    assert (person.display_name in committee) == (anonymity != "full")
