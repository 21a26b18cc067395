"""Events become notifications for the right people, once, and say nothing about who
raised an anonymous ticket."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.core.clock import FrozenClock
from backend.events import contract as ev
from backend.models import Notification, OutboxDelivery, OutboxMessage
from backend.models.enums import VoidReason
from backend.worker.runner import Worker
from tests.delivery import last_notification_id, notified, pending, queue_typed
from tests.factories import World, create_user

DEPT_LEAD = {"dept_lead_head": 1, "dept_lead_staff": 1}
COMMITTEE = {"committee_admin": 1, "committee_staff": 1}


def step(db: Session, worker: Worker) -> int:
    """Deliver what is due; returns the id before, to read what this step made."""
    before = last_notification_id(db)
    worker.drain()
    return before


def test_lifecycle_notifies_the_right_people(world: World, db: Session, worker: Worker) -> None:
    w = world
    t = w.submit()
    tid = t["id"]
    since = step(db, worker)
    # submitted: the committee must triage it; the submitter did it and hears nothing
    assert notified(db, w, since=since) == COMMITTEE

    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={"lead_department_id": w.dept_lead.id, "assisting_department_ids": [w.dept_assist.id]},
    )
    since = step(db, worker)
    assert notified(db, w, "ticket.dispatch", since) == {**DEPT_LEAD, "dept_assist_staff": 1}

    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    since = step(db, worker)
    assert notified(db, w, since=since) == COMMITTEE

    ext = w.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/extensions",
        json={"days": 2, "reason": "需要采购配件"},
    )
    since = step(db, worker)
    assert notified(db, w, "ticket.request_extension", since) == COMMITTEE

    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/extensions/{ext['id']}/decision",
        json={"approved": True},
    )
    since = step(db, worker)
    assert notified(db, w, since=since) == DEPT_LEAD
    title = (
        db.execute(sa.select(col(Notification.title)).where(col(Notification.id) > since))
        .scalars()
        .first()
    )
    assert title is not None
    assert title.startswith("延期申请已批准")

    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已修复。"})
    since = step(db, worker)
    # the submitter reads the answer; the committee must revisit
    assert notified(db, w, since=since) == {"college_staff": 1, **COMMITTEE}

    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )
    since = step(db, worker)
    assert notified(db, w, since=since) == {"college_staff": 1}

    w.ok(
        "college_staff",
        "POST",
        f"/tickets/{tid}/score",
        json={"efficiency": 5, "handling": 4, "effect": 5},
    )
    since = step(db, worker)
    assert notified(db, w, since=since) == {**DEPT_LEAD, **COMMITTEE}

    # every event was handled once: nothing left to do, and running again makes nothing new
    assert pending(db, "ticket.") == []
    since = step(db, worker)
    assert notified(db, w, since=since) == {}


def test_return_and_reopen(world: World, db: Session, worker: Worker) -> None:
    w = world
    t = w.ticket_in("dispatched")
    since = step(db, worker)
    w.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{t['id']}/return",
        json={"reason_code": "not_our_remit", "reason": "不属于本部门职责"},
    )
    since = step(db, worker)
    assert notified(db, w, since=since) == COMMITTEE

    t = w.ticket_in("replied")
    step(db, worker)
    w.ok("committee_staff", "POST", f"/tickets/{t['id']}/reopen", json={"reason": "问题仍未解决"})
    since = step(db, worker)
    assert notified(db, w, "ticket.reopen", since) == {**DEPT_LEAD, "dept_assist_staff": 1}


def test_a_fully_anonymous_ticket_tells_the_college_head(
    world: World, db: Session, worker: Worker
) -> None:
    w = world
    t = w.ticket_in("accepted", anonymity="full")
    step(db, worker)
    w.ok("dept_lead_staff", "POST", f"/tickets/{t['id']}/reply", json={"content": "已处理。"})
    since = step(db, worker)
    # no submitter account on the ticket: the college's head hears of the answer
    assert notified(db, w, "ticket.reply", since) == {"college_head": 1, **COMMITTEE}


def test_notices_to_departments_never_name_the_submitter(
    world: World, db: Session, worker: Worker
) -> None:
    w = world
    submitter = w["college_staff"].user
    t = w.ticket_in("accepted", anonymity="department")
    tid = t["id"]
    w.ok("committee_staff", "POST", f"/tickets/{tid}/urge", json={"note": "请加快"})
    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已处理。"})
    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )
    w.ok(
        "college_staff",
        "POST",
        f"/tickets/{tid}/score",
        json={"efficiency": 5, "handling": 4, "effect": 5},
    )
    step(db, worker)
    dept_users = [w[r].id for r in ("dept_lead_head", "dept_lead_staff", "dept_assist_staff")]
    rows = (
        db.execute(sa.select(Notification).where(col(Notification.user_id).in_(dept_users)))
        .scalars()
        .all()
    )
    assert len(rows) >= 5  # dispatch (lead and assist), urge, score reached the department
    for n in rows:
        text = n.title + n.body
        for secret in (submitter.display_name, submitter.username, w.college.name):
            assert secret not in text, (n.kind, text)


def test_urge_goes_to_the_handler_and_the_heads(world: World, db: Session, worker: Worker) -> None:
    w = world
    other_staff = create_user(db, w.dept_lead, "staff")
    t = w.ticket_in("accepted")  # accepted by dept_lead_staff: the handler
    step(db, worker)
    w.ok("committee_staff", "POST", f"/tickets/{t['id']}/urge", json={"note": "请加快办理"})
    since = step(db, worker)
    got = notified(db, w, "ticket.urge", since)
    assert got == DEPT_LEAD
    assert other_staff.id not in {
        n.user_id for n in db.execute(sa.select(Notification)).scalars() if n.id > since
    }


def test_assign_tells_the_new_handler(world: World, db: Session, worker: Worker) -> None:
    w = world
    t = w.ticket_in("dispatched")
    step(db, worker)
    w.ok(
        "dept_lead_head",
        "POST",
        f"/tickets/{t['id']}/assign",
        json={"handler_id": w["dept_lead_staff"].id},
    )
    since = step(db, worker)
    assert notified(db, w, since=since) == {"dept_lead_staff": 1}


def test_clock_and_supervision_events(
    world: World, db: Session, worker: Worker, clock: FrozenClock
) -> None:
    """The events the sweeps and supervision orders write reach the right people."""
    w = world
    t = w.ticket_in("accepted")
    step(db, worker)
    dept = w.dept_lead.id
    due = clock.now() + timedelta(days=1)
    expected: dict[str, tuple[ev.Details, dict[str, int]]] = {
        "sla.reminder": (ev.Reminder(stage="reply", due_at=due, department_id=dept), DEPT_LEAD),
        # the department hears of it by the automatic urge that comes with it
        "ticket.overdue": (ev.Overdue(stage="reply", due_at=due, department_id=dept), COMMITTEE),
        "supervision.raised": (
            ev.SupervisionRaised(order_id=1, department_id=dept, auto=True, deadline=due),
            {**DEPT_LEAD, **COMMITTEE},
        ),
        "supervision.acknowledged": (
            ev.SupervisionAcknowledged(order_id=1, department_id=dept),
            COMMITTEE,
        ),
        "supervision.closed": (ev.SupervisionClosed(order_id=1, department_id=dept), DEPT_LEAD),
        "supervision.voided": (
            ev.SupervisionVoided(order_id=1, department_id=dept, reason=VoidReason.returned),
            DEPT_LEAD,
        ),
    }
    for topic, (details, who) in expected.items():
        queue_typed(db, details, clock.now(), ticket_id=t["id"])
        since = step(db, worker)
        assert notified(db, w, topic, since) == who, topic
    reminder = (
        db.execute(sa.select(Notification).where(col(Notification.kind) == "sla.reminder"))
        .scalars()
        .first()
    )
    assert reminder is not None
    assert reminder.title.startswith("答复时限提醒：" + t["code"])
    assert reminder.link == f"/tickets/{t['id']}"
    assert "2026-03-11 10:00" in reminder.body  # the deadline in Asia/Shanghai


def test_auto_urge_is_worded_as_the_system(
    world: World, db: Session, worker: Worker, clock: FrozenClock
) -> None:
    w = world
    t = w.ticket_in("accepted")
    step(db, worker)
    details = ev.Urged(department_id=w.dept_lead.id, auto=True, stage="reply", due_at=clock.now())
    queue_typed(db, details, clock.now(), ticket_id=t["id"])
    since = step(db, worker)
    bodies = {n.body for n in db.execute(sa.select(Notification)).scalars() if n.id > since}
    assert bodies
    assert all("系统已自动催办" in b for b in bodies)


def test_a_refused_action_leaves_the_outbox_untouched(world: World, db: Session) -> None:
    w = world
    t = w.ticket_in("submitted")
    count = sa.select(
        sa.select(sa.func.count()).select_from(OutboxMessage).scalar_subquery()
        + sa.select(sa.func.count()).select_from(OutboxDelivery).scalar_subquery()
    )
    before = db.execute(count).scalar_one()
    r = w.call("college_staff", "POST", f"/tickets/{t['id']}/accept")
    assert r.status_code in (403, 409)
    r = w.call("committee_staff", "POST", f"/tickets/{t['id']}/close", json={})
    assert r.status_code == 409
    assert db.execute(count).scalar_one() == before
    d = w.ticket_in("dispatched")
    before = db.execute(count).scalar_one()
    r = w.call("dept_other_staff", "POST", f"/tickets/{d['id']}/accept")
    assert r.status_code == 404
    r = w.call("dept_lead_staff", "POST", f"/tickets/{d['id']}/accept", headers={"If-Match": '"0"'})
    assert r.status_code in (409, 412)
    assert db.execute(count).scalar_one() == before
