"""Raising tickets (signed in, on behalf, and without an account), their deadlines, the overdue
flag and filter, idempotent retries, the public channel and its limits, health and readiness."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.calendar.service import load_calendar
from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.main import create_app
from backend.models import IdempotencyRecord, Ticket, TicketEvent
from backend.models.enums import UnitKind
from tests.conftest import T0
from tests.factories import World, create_category, create_unit, headers_for

TICKET_CODE = re.compile(r"^HY-2026-\d{6}$")
# Four groups of four from the alphabet without 0/O/1/I.
TRACKING_CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$")
BODY = {"title": "食堂排队时间过长", "content": "午餐高峰排队超过二十分钟，希望增开窗口。"}


def at(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def db_ticket(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    t = db.get(Ticket, ticket_id)
    assert t is not None
    return t


def tickets_titled(db: Session, title: str) -> int:
    return int(
        db.execute(
            sa.select(sa.func.count()).select_from(Ticket).where(col(Ticket.title) == title)
        ).scalar_one()
    )


def travel(world: World, clock: FrozenClock, delta: timedelta) -> None:
    """Move the app's clock; everyone signs in again (access tokens live 15 minutes)."""
    clock.advance(delta)
    for actor in world.actors.values():
        actor.headers = headers_for(world.db, world.settings, actor.user)
    world.db.commit()


def dispatch(world: World, ticket_id: int, **body: Any) -> dict[str, Any]:
    return world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{ticket_id}/dispatch",
        json={"lead_department_id": world.dept_lead.id, **body},
    )


# --- creating as a college ---------------------------------------------------------------------


def test_college_creates_with_every_field(world: World, db: Session) -> None:
    r = world.call(
        "college_staff",
        "POST",
        "/tickets",
        json={
            "title": "  实验楼电梯经常停运  ",
            "content": "  实验楼东侧电梯本周三次停运，搬运仪器很困难。  ",
            "category_id": world.category.id,
            "urgency": "urgent",
            "anonymity": "named",
        },
    )
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == '"1"'
    t = r.json()
    assert TICKET_CODE.match(t["code"]), t["code"]
    assert t["title"] == "实验楼电梯经常停运"  # surrounding white space is dropped
    assert t["content"] == "实验楼东侧电梯本周三次停运，搬运仪器很困难。"
    assert t["status"] == "submitted"
    assert t["urgency"] == "urgent"
    assert t["anonymity"] == "named"
    assert t["channel"] == "web"
    assert t["category"] == {"id": world.category.id, "name": world.category.name}
    assert t["college"] == {
        "id": world.college.id,
        "name": world.college.name,
        "code": world.college.code,
    }
    assert t["submitter"]["id"] == world["college_staff"].id
    assert t["contact"] is None
    assert t["lead_department"] is None
    assert t["assisting_departments"] == []
    assert t["accept_due_at"] is None
    assert t["reply_due_at"] is None
    assert t["overdue"] is False
    assert t["version"] == 1
    assert t["tracking_code"] is None
    assert "withdraw" in t["allowed_actions"]

    row = db_ticket(db, t["id"])
    assert (row.submitter_id, row.recorded_by_id, row.college_id) == (
        world["college_staff"].id,
        None,
        world.college.id,
    )
    events = world.ok("college_staff", "GET", f"/tickets/{t['id']}/events")
    assert [(e["action"], e["to_status"], e["data"]["channel"]) for e in events] == [
        ("submit", "submitted", "web")
    ]
    assert events[0]["data"]["dispatch_due_at"] == t["dispatch_due_at"]
    # What the create returned is what a later read shows.
    again = world.ok("college_staff", "GET", f"/tickets/{t['id']}")
    assert again == {k: v for k, v in t.items() if k != "tracking_code"}


def test_defaults_are_normal_urgency_and_department_tier_anonymity(world: World) -> None:
    t = world.submit()
    assert (t["urgency"], t["anonymity"], t["category"]) == ("normal", "department", None)


def test_codes_are_distinct_and_carry_the_year(world: World) -> None:
    codes = [world.submit()["code"] for _ in range(3)]
    assert len(set(codes)) == 3
    assert all(TICKET_CODE.match(c) for c in codes), codes


def test_fully_anonymous_ticket_returns_a_tracking_code_and_keeps_no_submitter(
    world: World, db: Session
) -> None:
    t = world.submit(anonymity="full")
    assert TRACKING_CODE.match(t["tracking_code"]), t["tracking_code"]
    assert t["submitter"] is None
    assert db_ticket(db, t["id"]).submitter_id is None
    pub = world.client.get(f"/api/v1/public/tickets/{t['tracking_code']}")
    assert pub.status_code == 200
    assert pub.json()["ticket_code"] == t["code"]


INVALID = [
    ("title", "a"),  # too short
    ("title", "   "),  # blank once stripped
    ("title", " x "),  # one character once stripped
    ("title", "长" * 201),
    ("content", "  "),
    ("urgency", "very"),
    ("anonymity", "secret"),
    ("category_id", "not-a-number"),
]


def test_invalid_bodies_are_422_and_create_nothing(world: World, db: Session) -> None:
    for field, value in INVALID:  # one world for all cases: each case is one request
        body = {**BODY, "title": "校验失败的意见", field: value}
        r = world.call("college_staff", "POST", "/tickets", json=body)
        assert r.status_code == 422, (field, value, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["code"] == "validation_error"
        assert any(e["loc"][-1] == field for e in problem["errors"]), (field, value, problem)
    assert tickets_titled(db, "校验失败的意见") == 0


def test_missing_title_is_422(world: World) -> None:
    r = world.call("college_staff", "POST", "/tickets", json={"content": BODY["content"]})
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


def test_unknown_or_inactive_category_is_422(world: World, db: Session) -> None:
    r = world.call("college_staff", "POST", "/tickets", json={**BODY, "category_id": 999_999})
    assert (r.status_code, r.json()["code"]) == (422, "unknown_category")
    retired = create_category(db)
    retired.is_active = False
    db.commit()
    r = world.call("college_staff", "POST", "/tickets", json={**BODY, "category_id": retired.id})
    assert (r.status_code, r.json()["code"]) == (422, "unknown_category")


def test_departments_cannot_submit(world: World, db: Session) -> None:
    for role in ("dept_lead_head", "dept_lead_staff", "dept_other_staff"):
        r = world.call(role, "POST", "/tickets", json={**BODY, "title": "部门不能提交"})
        assert (r.status_code, r.json()["code"]) == (403, "cannot_submit"), role
    assert tickets_titled(db, "部门不能提交") == 0


def test_colleges_cannot_set_committee_fields(world: World, db: Session) -> None:
    # Issue 9: a college head may now record reporter_name and contact (on behalf; see
    # test_on_behalf.py); channel and college_id stay the committee's, and college staff raise
    # only their own opinions.
    extras = [{"channel": "hotline"}, {"college_id": world.college.id}]
    for role in ("college_staff", "college_head"):
        for extra in extras:
            body = {**BODY, "title": "越权", **extra}
            r = world.call(role, "POST", "/tickets", json=body)
            assert (r.status_code, r.json()["code"]) == (422, "committee_only_fields"), extra
    for extra in ({"contact": "138"}, {"reporter_name": "张三"}):
        r = world.call("college_staff", "POST", "/tickets", json={**BODY, "title": "越权", **extra})
        assert (r.status_code, r.json()["code"]) == (422, "on_behalf_fields"), extra
    assert tickets_titled(db, "越权") == 0


def test_signing_in_is_required(world: World) -> None:
    r = world.client.post("/api/v1/tickets", json=BODY)
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"


# --- creating on someone's behalf (the committee) ----------------------------------------------


def test_committee_collects_on_behalf_on_every_hand_entered_channel(
    world: World, db: Session
) -> None:
    for channel in ("mailbox", "hotline", "visit", "petition"):
        r = world.call(
            "committee_staff",
            "POST",
            "/tickets",
            json={
                **BODY,
                "channel": channel,
                "college_id": world.college.id,
                "contact": "王老师 13800001111",
                "urgency": "complex",
                "anonymity": "named",
                "category_id": world.category.id,
            },
        )
        assert r.status_code == 201, (channel, r.text)
        t = r.json()
        assert t["channel"] == channel
        assert t["college"]["id"] == world.college.id
        assert t["submitter"] is None
        assert t["contact"] == "王老师 13800001111"
        assert (t["urgency"], t["anonymity"]) == ("complex", "named")
        row = db_ticket(db, t["id"])
        assert (row.submitter_id, row.recorded_by_id, row.channel) == (
            None,
            world["committee_staff"].id,
            channel,
        )
        events = world.ok("committee_staff", "GET", f"/tickets/{t['id']}/events")
        assert events[0]["data"]["channel"] == channel
        assert events[0]["actor"]["id"] == world["committee_staff"].id

        # The college's head sees it as one of the college's, without the contact; its staff
        # (none of whom raised it) do not see it at all.
        assert world.ok("college_head", "GET", f"/tickets/{t['id']}")["contact"] is None
        assert world.call("college_staff", "GET", f"/tickets/{t['id']}").status_code == 404


def test_committee_defaults_to_the_mailbox_and_may_omit_the_college(world: World) -> None:
    t = world.submit("committee_staff")
    assert (t["channel"], t["college"], t["submitter"]) == ("mailbox", None, None)


def test_committee_cannot_enter_machine_channels_by_hand(world: World, db: Session) -> None:
    for channel in ("public", "api"):
        body = {**BODY, "title": "机器渠道", "channel": channel}
        r = world.call("committee_staff", "POST", "/tickets", json=body)
        assert (r.status_code, r.json()["code"]) == (422, "bad_channel"), channel
    assert tickets_titled(db, "机器渠道") == 0


def test_on_behalf_college_must_be_an_active_college(world: World, db: Session) -> None:
    closed = create_unit(db, UnitKind.college)
    closed.is_active = False
    db.commit()
    for college_id in (world.dept_lead.id, world.committee.id, 999_999, closed.id):
        r = world.call(
            "committee_staff",
            "POST",
            "/tickets",
            json={**BODY, "title": "不是学院", "college_id": college_id},
        )
        assert (r.status_code, r.json()["code"]) == (422, "not_a_college"), college_id
    assert tickets_titled(db, "不是学院") == 0


# --- Idempotency-Key -----------------------------------------------------------------------------


def test_same_key_same_body_replays_the_first_result(world: World, db: Session) -> None:
    body = {**BODY, "title": "幂等重试"}
    headers = {"Idempotency-Key": "retry-7f3a"}
    first = world.call("college_staff", "POST", "/tickets", json=body, headers=headers)
    second = world.call("college_staff", "POST", "/tickets", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["code"] == first.json()["code"]
    assert tickets_titled(db, "幂等重试") == 1
    submits = db.execute(
        sa.select(sa.func.count())
        .select_from(TicketEvent)
        .where(col(TicketEvent.ticket_id) == first.json()["id"])
    ).scalar_one()
    assert submits == 1


def test_same_key_different_body_is_422(world: World, db: Session) -> None:
    headers = {"Idempotency-Key": "retry-b2"}
    first = world.call(
        "college_staff", "POST", "/tickets", json={**BODY, "title": "第一次"}, headers=headers
    )
    assert first.status_code == 201
    r = world.call(
        "college_staff", "POST", "/tickets", json={**BODY, "title": "第二次"}, headers=headers
    )
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"
    assert tickets_titled(db, "第二次") == 0


def test_the_same_key_from_two_users_makes_two_tickets(world: World, db: Session) -> None:
    body = {**BODY, "title": "两人同键"}
    headers = {"Idempotency-Key": "shared-key"}
    a = world.call("college_staff", "POST", "/tickets", json=body, headers=headers)
    b = world.call("college_staff2", "POST", "/tickets", json=body, headers=headers)
    assert (a.status_code, b.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in b.headers
    assert a.json()["id"] != b.json()["id"]
    assert b.json()["submitter"]["id"] == world["college_staff2"].id
    assert tickets_titled(db, "两人同键") == 2


def test_without_a_key_each_post_creates(world: World, db: Session) -> None:
    body = {**BODY, "title": "没有幂等键"}
    for _ in range(2):
        assert world.call("college_staff", "POST", "/tickets", json=body).status_code == 201
    assert tickets_titled(db, "没有幂等键") == 2


# --- deadlines -----------------------------------------------------------------------------------


def test_dispatch_due_is_half_a_working_day_after_submission(world: World) -> None:
    t = world.submit()
    # Tuesday 10:00 + half the office day (4.5 of the 9 hours 08:30–17:30) = Tuesday 14:30.
    assert at(t["dispatch_due_at"]) == T0 + timedelta(hours=4, minutes=30)
    assert t["dispatch_due_at"] == "2026-03-10T14:30:00+08:00"


def test_half_a_day_from_1717_ends_at_1247_the_next_working_day(
    world: World, clock: FrozenClock
) -> None:
    # The case: half a working day from 17:17 fell due at 05:17 the next morning.
    travel(world, clock, timedelta(hours=7, minutes=17))  # Tuesday 17:17
    world.ok("committee_admin", "POST", "/sla-policies", json={"accept_days": 0.5})
    t = world.submit()
    assert t["dispatch_due_at"] == "2026-03-11T12:47:00+08:00"
    d = dispatch(world, t["id"])
    assert d["accept_due_at"] == "2026-03-11T12:47:00+08:00"
    assert d["reply_due_at"] == "2026-03-17T17:30:00+08:00"


def test_dispatch_due_skips_the_qingming_holiday(
    world: World, db: Session, clock: FrozenClock
) -> None:
    travel(world, clock, datetime(2026, 4, 3, 16, 0, tzinfo=T0.tzinfo) - T0)  # Friday before 清明
    t = world.submit()
    expected = load_calendar(db, world.settings).add_working_days(clock.now(), 0.5)
    # 1.5 office hours left on Friday; Saturday to Monday (4–6 April) are off; 3 more on
    # Tuesday from its opening.
    assert expected == datetime(2026, 4, 7, 11, 30, tzinfo=T0.tzinfo)
    assert at(t["dispatch_due_at"]) == expected


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # A date picker's midnight and a 03:30: by the close of the day they name.
        ("2026-03-20T00:00:00+08:00", "2026-03-20T17:30:00+08:00"),
        ("2026-03-20T03:30:00+08:00", "2026-03-20T17:30:00+08:00"),
        # After Friday's close, or on the weekend: the close of the next working day.
        ("2026-03-20T18:00:00+08:00", "2026-03-23T17:30:00+08:00"),
        ("2026-03-21T10:00:00+08:00", "2026-03-23T17:30:00+08:00"),
    ],
)
def test_a_typed_reply_deadline_outside_office_hours_ends_at_a_close(
    world: World, typed: str, stored: str
) -> None:
    t = world.submit()
    d = dispatch(world, t["id"], reply_due_at=typed)
    assert d["reply_due_at"] == stored


REPLY_DAYS = {"normal": 5, "urgent": 1, "complex": 15}


def test_dispatch_sets_accept_and_reply_deadlines(
    world: World, db: Session, clock: FrozenClock
) -> None:
    cal = load_calendar(db, world.settings)
    for urgency, reply_days in REPLY_DAYS.items():
        t = world.submit(urgency=urgency)
        d = dispatch(world, t["id"])
        assert at(d["accept_due_at"]) == cal.add_working_days(clock.now(), 1)
        assert d["accept_due_at"] == "2026-03-11T17:30:00+08:00"  # Wednesday's close
        assert at(d["reply_due_at"]) == cal.add_working_days(clock.now(), reply_days), urgency
        assert d["dispatch_due_at"] == t["dispatch_due_at"]
    # No holiday between: five working days from Tuesday end at the next Tuesday's close.
    assert cal.add_working_days(T0, 5) == datetime(2026, 3, 17, 17, 30, tzinfo=T0.tzinfo)


def test_deadlines_skip_holidays(world: World, db: Session, clock: FrozenClock) -> None:
    submitted = {u: world.submit(urgency=u)["id"] for u in REPLY_DAYS}
    travel(world, clock, datetime(2026, 4, 2, 10, 0, tzinfo=T0.tzinfo) - T0)  # Thursday before 清明
    cal = load_calendar(db, world.settings)
    for urgency, reply_days in REPLY_DAYS.items():
        d = dispatch(world, submitted[urgency])
        assert at(d["reply_due_at"]) == cal.add_working_days(clock.now(), reply_days), urgency
        assert d["accept_due_at"] == "2026-04-03T17:30:00+08:00"  # Friday's close
    # 清明 (Saturday 4 – Monday 6 April) pushes five working days from Thursday 9 to Friday 10.
    assert cal.add_working_days(clock.now(), 5) == datetime(2026, 4, 10, 17, 30, tzinfo=T0.tzinfo)


def test_dispatch_with_an_explicit_reply_deadline(world: World) -> None:
    t = world.submit()
    due = "2026-03-20T16:00:00+08:00"  # inside office hours: it stands as typed
    d = dispatch(world, t["id"], reply_due_at=due)
    assert at(d["reply_due_at"]) == at(due)
    other = world.submit()["id"]
    lead = world.dept_lead.id
    past = world.call(
        "committee_staff",
        "POST",
        f"/tickets/{other}/dispatch",
        json={"lead_department_id": lead, "reply_due_at": "2026-03-01T10:00:00+08:00"},
    )
    assert (past.status_code, past.json()["code"]) == (422, "deadline_in_past")
    naive = world.call(
        "committee_staff",
        "POST",
        f"/tickets/{other}/dispatch",
        json={"lead_department_id": lead, "reply_due_at": "2026-03-20T18:00:00"},
    )
    assert (naive.status_code, naive.json()["code"]) == (422, "naive_datetime")


# --- the overdue flag and filter ---------------------------------------------------------------


def listed_ids(world: World, role: str, **params: Any) -> list[int]:
    page = world.ok(role, "GET", "/tickets", params={"limit": 100, **params})
    return [item["id"] for item in page["items"]]


def test_overdue_flag_and_filter_flip_after_the_accept_deadline(
    world: World, clock: FrozenClock
) -> None:
    t = world.ticket_in("dispatched")
    tid = t["id"]
    fresh = world.submit()  # not yet overdue either: due Tuesday 14:30
    accept_due = at(t["accept_due_at"])

    for role in ("committee_staff", "dept_lead_staff"):
        assert tid not in listed_ids(world, role, overdue="true")
        assert tid in listed_ids(world, role, overdue="false")
    assert world.ok("committee_staff", "GET", f"/tickets/{tid}")["overdue"] is False

    travel(world, clock, accept_due - clock.now())  # exactly at the deadline: not yet late
    assert tid not in listed_ids(world, "committee_staff", overdue="true")

    # Missed, but the ticket is overdue only from the next working day, which begins at its
    # opening (Thursday 08:30): not at midnight.
    travel(world, clock, timedelta(minutes=1))
    assert tid not in listed_ids(world, "committee_staff", overdue="true")
    assert world.ok("committee_staff", "GET", f"/tickets/{tid}")["overdue"] is False
    travel(world, clock, datetime(2026, 3, 12, 0, 0, tzinfo=T0.tzinfo) - clock.now())
    assert tid not in listed_ids(world, "committee_staff", overdue="true")
    thursday = datetime(2026, 3, 12, 8, 30, tzinfo=T0.tzinfo)
    travel(world, clock, thursday - timedelta(microseconds=1) - clock.now())
    assert tid not in listed_ids(world, "committee_staff", overdue="true")
    travel(world, clock, timedelta(microseconds=1))
    for role in ("committee_staff", "dept_lead_staff"):
        assert tid in listed_ids(world, role, overdue="true")
        assert tid not in listed_ids(world, role, overdue="false")
    item = next(
        i
        for i in world.ok("committee_staff", "GET", "/tickets", params={"limit": 100})["items"]
        if i["id"] == tid
    )
    assert item["overdue"] is True
    assert world.ok("dept_lead_staff", "GET", f"/tickets/{tid}")["overdue"] is True
    # The submitted one missed its dispatch deadline long ago, too.
    assert fresh["id"] in listed_ids(world, "committee_staff", overdue="true")

    # Accepting moves the ticket on to its reply deadline: no longer overdue.
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    assert tid not in listed_ids(world, "committee_staff", overdue="true")
    assert world.ok("committee_staff", "GET", f"/tickets/{tid}")["overdue"] is False


def test_closed_tickets_are_never_overdue(world: World, clock: FrozenClock) -> None:
    t = world.ticket_in("rejected")
    travel(world, clock, timedelta(days=60))
    assert t["id"] not in listed_ids(world, "committee_staff", overdue="true")
    assert t["id"] in listed_ids(world, "committee_staff", overdue="false")
    assert world.ok("committee_staff", "GET", f"/tickets/{t['id']}")["overdue"] is False


def test_list_items_carry_no_content_or_submitter(world: World) -> None:
    world.submit(anonymity="named")
    items = (
        world.ok("dept_lead_staff", "GET", "/tickets")["items"]
        + world.ok("college_staff", "GET", "/tickets")["items"]
    )
    assert items
    for item in items:
        assert "content" not in item
        assert "submitter" not in item
        assert "contact" not in item


# --- the public channel (no account) -------------------------------------------------------------

PUBLIC_KEYS = {
    "ticket_code",
    "title",
    "content",
    "status",
    "created_at",
    "updated_at",
    "reply",
    "revisit_outcome",
    "reject_reason",
    "score",
    "can_score",
    "merged_into",
    "photos",  # a count only (issue 9): nothing else about them
}


def public_submit(client: TestClient, **body: Any) -> Any:
    return client.post("/api/v1/public/tickets", json={**BODY, **body})


def test_public_submit_then_follow_the_answer_and_score(
    world: World, client: TestClient, db: Session
) -> None:
    r = public_submit(client, contact="student@example.edu.cn", category_id=world.category.id)
    assert r.status_code == 201, r.text
    created = r.json()
    code = created["code"]
    assert TRACKING_CODE.match(code), code
    assert TICKET_CODE.match(created["ticket_code"])
    assert created["status"] == "submitted"

    # Stored: as a public ticket, by nobody; the code only as a hash.
    row = db.execute(
        sa.select(Ticket).where(col(Ticket.code) == created["ticket_code"])
    ).scalar_one()
    assert (row.channel, row.submitter_id, row.recorded_by_id) == ("public", None, None)
    assert row.tracking_code_hash is not None
    assert code not in row.tracking_code_hash
    assert row.anonymity == "department"  # with a contact the committee can check back
    committee_view = world.ok("committee_staff", "GET", f"/tickets/{row.id}")
    assert committee_view["contact"] == "student@example.edu.cn"

    view = client.get(f"/api/v1/public/tickets/{code}")
    assert view.status_code == 200
    assert set(view.json()) == PUBLIC_KEYS
    assert (view.json()["status"], view.json()["reply"], view.json()["can_score"]) == (
        "submitted",
        None,
        False,
    )

    tid = row.id
    dispatch(world, tid)
    assert world.ok("dept_lead_staff", "GET", f"/tickets/{tid}")["contact"] is None
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/reply",
        json={"content": "已增开两个窗口，高峰期增加临时人员。"},
    )
    view = client.get(f"/api/v1/public/tickets/{code}")
    body = view.json()
    assert body["status"] == "replied"
    assert body["reply"]["content"] == "已增开两个窗口，高峰期增加临时人员。"
    assert body["reply"]["department"] == world.dept_lead.name
    # Nobody's name and no contact, whatever the stage.
    for role in ("dept_lead_staff", "committee_staff"):
        assert world[role].user.display_name not in view.text
    assert "student@example.edu.cn" not in view.text

    early = client.post(
        f"/api/v1/public/tickets/{code}/score", json={"efficiency": 5, "handling": 5, "effect": 5}
    )
    assert (early.status_code, early.json()["code"]) == (409, "invalid_state")

    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )
    view = client.get(f"/api/v1/public/tickets/{code}").json()
    assert (view["status"], view["revisit_outcome"], view["can_score"]) == (
        "revisited",
        "resolved",
        True,
    )

    scored = client.post(
        f"/api/v1/public/tickets/{code}/score",
        json={"efficiency": 4, "handling": 5, "effect": 3, "comment": "  快了很多  "},
    )
    assert scored.status_code == 200, scored.text
    assert scored.json()["status"] == "closed"
    assert scored.json()["score"]["comment"] == "快了很多"
    assert scored.json()["can_score"] is False
    staff_view = world.ok("committee_staff", "GET", f"/tickets/{tid}")
    assert staff_view["score"]["via"] == "code"
    assert staff_view["score"]["overall"] == 4

    again = client.post(
        f"/api/v1/public/tickets/{code}/score", json={"efficiency": 1, "handling": 1, "effect": 1}
    )
    assert again.status_code == 409
    assert db_ticket(db, tid).score_efficiency == 4


def test_public_ticket_without_contact_is_fully_anonymous(
    world: World, client: TestClient, db: Session
) -> None:
    created = public_submit(client).json()
    row = db.execute(
        sa.select(Ticket).where(col(Ticket.code) == created["ticket_code"])
    ).scalar_one()
    assert (row.anonymity, row.contact) == ("full", None)


def test_public_lookup_forgives_case_and_dashes(client: TestClient) -> None:
    code = public_submit(client).json()["code"]
    loose = code.replace("-", "").lower()
    r = client.get(f"/api/v1/public/tickets/{loose}")
    assert r.status_code == 200
    assert r.json()["status"] == "submitted"


def test_wrong_tracking_code_is_404(client: TestClient) -> None:
    real = public_submit(client).json()["code"]
    code = "ABCD-EFGH-JKLM-NPQR" if real != "ABCD-EFGH-JKLM-NPQR" else "ABCD-EFGH-JKLM-NPQS"
    r = client.get(f"/api/v1/public/tickets/{code}")
    # Its own code, so the page says "check the code" rather than a generic not-found.
    assert (r.status_code, r.json()["code"]) == (404, "unknown_tracking_code")
    r = client.post(
        f"/api/v1/public/tickets/{code}/score", json={"efficiency": 5, "handling": 5, "effect": 5}
    )
    assert (r.status_code, r.json()["code"]) == (404, "unknown_tracking_code")


def test_public_submit_validates_its_body(client: TestClient, db: Session) -> None:
    r = client.post("/api/v1/public/tickets", json={"title": " ", "content": BODY["content"]})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    before = tickets_titled(db, BODY["title"])
    r = client.post("/api/v1/public/tickets", json={**BODY, "urgency": "urgent", "channel": "api"})
    # Fields the form does not have are refused, by name; nothing is created.
    assert r.status_code == 422
    assert sorted(e["loc"][-1] for e in r.json()["errors"]) == ["channel", "urgency"]
    assert tickets_titled(db, BODY["title"]) == before
    r = client.post("/api/v1/public/tickets", json=BODY)
    assert r.status_code == 201
    row = db.execute(
        sa.select(Ticket).where(col(Ticket.code) == r.json()["ticket_code"])
    ).scalar_one()
    assert (row.channel, row.urgency) == ("public", "normal")


@pytest.fixture
def strict_client(settings: Settings, connection: sa.Connection) -> Iterator[TestClient]:
    """A fresh app with a public submit limit of two an hour, on the test transaction."""
    strict = settings.model_copy(update={"public_submit_per_hour": 2})

    def factory(write: bool = True) -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint")

    with TestClient(create_app(strict, factory), raise_server_exceptions=False) as c:
        yield c


def test_public_submissions_are_rate_limited(
    strict_client: TestClient, db: Session, clock: FrozenClock
) -> None:
    for i in range(2):
        r = public_submit(strict_client, title=f"限流 {i}")
        assert r.status_code == 201, r.text
    r = public_submit(strict_client, title="限流 2")
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= 3600
    assert r.json()["retry_after"] == retry
    assert tickets_titled(db, "限流 2") == 0

    clock.advance(timedelta(hours=1, seconds=1))  # a new window
    assert public_submit(strict_client, title="限流 3").status_code == 201


# --- health and readiness ----------------------------------------------------------------------


def test_ready_answers_when_the_database_does(client: TestClient) -> None:
    r = client.get("/api/v1/ready")
    assert r.status_code == 200
    assert r.json() == {"status": "ready"}


def test_health_answers_without_a_database(settings: Settings) -> None:
    calls: list[bool] = []

    def no_database(write: bool = True) -> Session:
        calls.append(write)
        raise RuntimeError("the database is down")

    with TestClient(create_app(settings, no_database), raise_server_exceptions=False) as c:
        health = c.get("/api/v1/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        assert calls == []  # health never asked for a session
        ready = c.get("/api/v1/ready")
        assert ready.status_code == 503
        assert ready.json()["code"] == "not_ready"
        assert calls == [False]


def test_idempotent_replay_keeps_the_tracking_code_but_never_stores_it_readable(
    world: World, db: Session
) -> None:
    body = {
        "title": "匿名反映宿舍用电问题",
        "content": "宿舍限电功率过低，吹风机都无法使用。",
        "anonymity": "full",
    }
    headers = {"Idempotency-Key": "anon-key-1"}
    first = world.ok("college_staff", "POST", "/tickets", json=body, headers=headers)
    again = world.call("college_staff", "POST", "/tickets", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json()["tracking_code"] == first["tracking_code"]
    db.expire_all()
    stored = [str(r.response) for r in db.execute(sa.select(IdempotencyRecord)).scalars()]
    assert stored
    assert all(first["tracking_code"] not in s for s in stored)


def test_public_lookups_are_rate_limited_too(
    settings: Settings, connection: sa.Connection, clock: FrozenClock
) -> None:
    """GET lookups by code count against the per-address budget (a safe method that writes)."""
    tight = settings.model_copy(update={"public_lookup_per_minute": 2})

    def factory(write: bool = True) -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint")

    with TestClient(create_app(settings=tight, session_factory=factory)) as c:
        code = c.post(
            "/api/v1/public/tickets", json={"title": "路灯不亮", "content": "东门外路灯坏了一周。"}
        ).json()["code"]
        statuses = [c.get(f"/api/v1/public/tickets/{code}").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        clock.advance(timedelta(minutes=1, seconds=1))
        assert c.get(f"/api/v1/public/tickets/{code}").status_code == 200
