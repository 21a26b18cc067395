"""Issue 9: a college head records an opinion on someone's behalf (反映人, 联系方式), as the
committee does. The name and contact are for the revisit: the committee and the raising college
read them; departments never do, and they reach no event, outbox message, notification or log."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.models import Notification, OutboxMessage, Ticket, TicketEvent
from backend.worker.runner import Worker
from tests.factories import World

NAME = "反映人甲乙丙"  # markers nothing else in a response contains
CONTACT = "联系方式 13912345678"
BODY = {"title": "食堂窗口排队过长", "content": "中午一食堂二楼只开两个窗口，排队超过二十分钟。"}
DEPARTMENT_ROLES = ("dept_lead_staff", "dept_lead_head", "dept_assist_staff")


def _row(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    t = db.get(Ticket, ticket_id)
    assert t is not None
    return t


def _department_reads(w: World, role: str, tid: int) -> str:
    """Every GET a department may make about the ticket, as one text."""
    seen: dict[str, Any] = {
        "ticket": w.ok(role, "GET", f"/tickets/{tid}"),
        "events": w.ok(role, "GET", f"/tickets/{tid}/events"),
        "extensions": w.ok(role, "GET", f"/tickets/{tid}/extensions"),
        "returns": w.ok(role, "GET", f"/tickets/{tid}/returns"),
        "attachments": w.ok(role, "GET", f"/tickets/{tid}/attachments"),
        "list": w.ok(role, "GET", "/tickets", params={"limit": 100}),
        "page": w.ok(role, "GET", "/tickets", params={"page": 1, "q": "食堂"}),
        "notifications": w.ok(role, "GET", "/notifications", params={"limit": 100}),
    }
    return json.dumps(seen, ensure_ascii=False)


@pytest.mark.parametrize("anonymity", ["department", "named"])
def test_a_college_head_raises_on_behalf_and_departments_never_see_who_for(
    world: World, db: Session, worker: Worker, caplog: pytest.LogCaptureFixture, anonymity: str
) -> None:
    w = world
    caplog.set_level(logging.DEBUG)
    created = w.ok(
        "college_head",
        "POST",
        "/tickets",
        json={**BODY, "anonymity": anonymity, "reporter_name": NAME, "contact": CONTACT},
    )
    tid = created["id"]
    assert (created["reporter_name"], created["contact"]) == (NAME, CONTACT)
    row = _row(db, tid)
    assert (row.reporter_name, row.contact) == (NAME, CONTACT)
    assert (row.college_id, row.submitter_id, row.channel) == (
        w.college.id,
        w["college_head"].id,
        "web",
    )

    # The department side works the ticket; every answer it gets is free of the markers.
    answers = [
        w.ok(
            "committee_staff",
            "POST",
            f"/tickets/{tid}/dispatch",
            json={
                "lead_department_id": w.dept_lead.id,
                "assisting_department_ids": [w.dept_assist.id],
            },
        ),
        w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept"),
        w.ok(
            "dept_lead_staff", "POST", f"/tickets/{tid}/notes", json={"content": "已约谈食堂经理"}
        ),
        w.ok(
            "dept_lead_staff",
            "POST",
            f"/tickets/{tid}/extensions",
            json={"days": 2, "reason": "等待新窗口开通"},
        ),
    ]
    assert NAME not in json.dumps(answers[1:], ensure_ascii=False)
    assert CONTACT not in json.dumps(answers[1:], ensure_ascii=False)
    worker.drain()  # notifications of the steps above

    for role in DEPARTMENT_ROLES:
        text = _department_reads(w, role, tid)
        assert str(tid) in text, role  # the reads really were of this ticket
        assert NAME not in text, role
        assert CONTACT not in text, role
        detail = w.ok(role, "GET", f"/tickets/{tid}")
        assert (detail["reporter_name"], detail["contact"]) == (None, None), role

    # The committee and the raising college read both, for the revisit.
    for role in ("committee_staff", "committee_admin", "college_head"):
        detail = w.ok(role, "GET", f"/tickets/{tid}")
        assert (detail["reporter_name"], detail["contact"]) == (NAME, CONTACT), role
    # Another college does not even see the ticket; its staff, who did not raise it, neither.
    for role in ("college_other_head", "college_staff"):
        assert w.call(role, "GET", f"/tickets/{tid}").status_code == 404, role

    # Nowhere else: the timeline rows, the outbox (events and webhooks go out from it), the
    # notifications, the log.
    db.expire_all()
    stored = [
        *db.execute(
            sa.select(TicketEvent.note, TicketEvent.data).where(col(TicketEvent.ticket_id) == tid)
        ).all(),
        *db.execute(sa.select(OutboxMessage.payload)).all(),
        *db.execute(sa.select(Notification.title, Notification.body)).all(),
    ]
    assert stored
    text = json.dumps([list(r) for r in stored], ensure_ascii=False, default=str)
    assert NAME not in text
    assert CONTACT not in text
    assert caplog.records  # the requests above were logged (at least by the HTTP client)
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert NAME not in logged
    assert CONTACT not in logged


def test_what_the_committee_records_stays_with_the_committee(world: World, db: Session) -> None:
    w = world
    t = w.ok(
        "committee_staff",
        "POST",
        "/tickets",
        json={
            **BODY,
            "channel": "visit",
            "college_id": w.college.id,
            "reporter_name": NAME,
            "contact": CONTACT,
        },
    )
    assert (t["reporter_name"], t["contact"]) == (NAME, CONTACT)
    assert (_row(db, t["id"]).reporter_name, _row(db, t["id"]).contact) == (NAME, CONTACT)
    # The college it comes from sees the ticket, not whom the committee recorded it for.
    seen = w.ok("college_head", "GET", f"/tickets/{t['id']}")
    assert (seen["reporter_name"], seen["contact"]) == (None, None)


def test_on_behalf_fields_are_refused_where_they_do_not_belong(world: World, db: Session) -> None:
    w = world
    refusals: list[tuple[str, dict[str, Any], str]] = [
        ("college_staff", {"reporter_name": NAME}, "on_behalf_fields"),
        ("college_staff", {"contact": CONTACT}, "on_behalf_fields"),
        ("college_other_staff", {"reporter_name": NAME, "contact": CONTACT}, "on_behalf_fields"),
        # Only the tracking code may lead back to a fully anonymous ticket.
        ("college_head", {"anonymity": "full", "reporter_name": NAME}, "anonymous_on_behalf"),
        ("college_head", {"anonymity": "full", "contact": CONTACT}, "anonymous_on_behalf"),
        ("committee_staff", {"anonymity": "full", "contact": CONTACT}, "anonymous_on_behalf"),
        ("college_head", {"reporter_name": "长" * 51}, "validation_error"),
        ("college_head", {"reporter_name": "  "}, "validation_error"),
    ]
    for role, extra, code in refusals:
        r = w.call(role, "POST", "/tickets", json={**BODY, **extra})
        assert (r.status_code, r.json()["code"]) == (422, code), (role, extra, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (
        w.db.execute(
            sa.select(sa.func.count()).select_from(Ticket).where(col(Ticket.title) == BODY["title"])
        ).scalar_one()
        == 0
    )
    # Without them, the same callers raise as before.
    own = w.ok("college_staff", "POST", "/tickets", json=BODY)
    assert (own["reporter_name"], own["contact"]) == (None, None)
    anonymous = w.ok("college_head", "POST", "/tickets", json={**BODY, "anonymity": "full"})
    assert anonymous["tracking_code"]


def test_the_public_form_knows_no_reporter_name(world: World) -> None:
    r = world.client.post(
        "/api/v1/public/tickets", json={**BODY, "reporter_name": NAME, "contact": CONTACT}
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"][-1] == "reporter_name"
