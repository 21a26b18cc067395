"""The inbox: each user reads and marks only their own notifications; mail preferences."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.clock import FrozenClock
from backend.models import Notification, User
from backend.worker.runner import Worker
from tests.factories import World


def _notices(db: Session, user_id: int, n: int, clock: FrozenClock) -> list[int]:
    ids = []
    for i in range(n):
        note = Notification(
            user_id=user_id,
            kind="ticket.dispatch",
            title=f"新工单待签收：HY-2026-{i:06d}",
            body="机关党委已将该工单派给贵单位，请及时签收或退单。",
            link=f"/tickets/{i + 1}",
            created_at=clock.now() + timedelta(seconds=i),
        )
        db.add(note)
        db.flush()
        assert note.id is not None
        ids.append(note.id)
    return ids


def test_list_pages_newest_first_with_unread_filter(
    world: World, db: Session, clock: FrozenClock
) -> None:
    w = world
    me = w["dept_lead_staff"]
    ids = _notices(db, me.id, 5, clock)
    _notices(db, w["dept_lead_head"].id, 2, clock)  # someone else's

    page = w.ok("dept_lead_staff", "GET", "/notifications", params={"limit": 2})
    assert [n["id"] for n in page["items"]] == [ids[4], ids[3]]
    assert page["items"][0]["read_at"] is None
    assert page["items"][0]["created_at"].endswith("+08:00")
    page2 = w.ok(
        "dept_lead_staff",
        "GET",
        "/notifications",
        params={"limit": 2, "cursor": page["next_cursor"]},
    )
    assert [n["id"] for n in page2["items"]] == [ids[2], ids[1]]
    page3 = w.ok(
        "dept_lead_staff",
        "GET",
        "/notifications",
        params={"limit": 2, "cursor": page2["next_cursor"]},
    )
    assert [n["id"] for n in page3["items"]] == [ids[0]]
    assert page3["next_cursor"] is None

    assert w.ok("dept_lead_staff", "GET", "/notifications/unread-count") == {"count": 5}
    read = w.ok("dept_lead_staff", "POST", f"/notifications/{ids[1]}/read")
    assert read["read_at"] is not None
    # reading again changes nothing
    again = w.ok("dept_lead_staff", "POST", f"/notifications/{ids[1]}/read")
    assert again["read_at"] == read["read_at"]
    assert w.ok("dept_lead_staff", "GET", "/notifications/unread-count") == {"count": 4}

    unread = w.ok("dept_lead_staff", "GET", "/notifications", params={"unread": "true"})
    assert [n["id"] for n in unread["items"]] == [ids[4], ids[3], ids[2], ids[0]]
    seen = w.ok("dept_lead_staff", "GET", "/notifications", params={"unread": "false"})
    assert [n["id"] for n in seen["items"]] == [ids[1]]

    assert w.ok("dept_lead_staff", "POST", "/notifications/read-all") == {"updated": 4}
    assert w.ok("dept_lead_staff", "GET", "/notifications/unread-count") == {"count": 0}
    # the other user's notices were not touched
    assert w.ok("dept_lead_head", "GET", "/notifications/unread-count") == {"count": 2}


def test_someone_elses_notification_does_not_exist(
    world: World, db: Session, clock: FrozenClock
) -> None:
    w = world
    [theirs] = _notices(db, w["dept_lead_head"].id, 1, clock)
    r = w.call("dept_lead_staff", "POST", f"/notifications/{theirs}/read")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert w.call("dept_lead_staff", "POST", "/notifications/999999/read").status_code == 404
    assert w.ok("dept_lead_staff", "GET", "/notifications")["items"] == []
    db.expire_all()
    assert db.get(Notification, theirs).read_at is None  # type: ignore[union-attr]


def test_bad_cursor_and_no_session(world: World) -> None:
    w = world
    r = w.call("college_staff", "GET", "/notifications", params={"cursor": "not-a-cursor!"})
    assert r.status_code == 422
    assert w.client.get("/api/v1/notifications").status_code == 401
    assert w.client.get("/api/v1/notifications/unread-count").status_code == 401


def test_inbox_shows_what_the_worker_made(world: World, worker: Worker) -> None:
    w = world
    t = w.ticket_in("dispatched")
    worker.drain()
    page = w.ok("dept_lead_staff", "GET", "/notifications")
    [n] = [n for n in page["items"] if n["kind"] == "ticket.dispatch"]
    assert n["ticket_id"] == t["id"]
    assert n["link"] == f"/tickets/{t['id']}"
    assert n["title"] == f"新工单待签收：{t['code']} 图书馆空调不制冷"


def test_preferences_are_the_users_own(world: World, db: Session) -> None:
    w = world
    assert w.ok("college_staff", "GET", "/me/preferences") == {
        "email": None,
        "notify_email": "each",
    }
    out = w.ok(
        "college_staff",
        "PATCH",
        "/me/preferences",
        json={"email": "zhang.san@example.edu.cn", "notify_email": "digest"},
    )
    assert out == {"email": "zhang.san@example.edu.cn", "notify_email": "digest"}
    # a partial update keeps the rest
    out = w.ok("college_staff", "PATCH", "/me/preferences", json={"notify_email": "none"})
    assert out == {"email": "zhang.san@example.edu.cn", "notify_email": "none"}
    assert (
        w.call(
            "college_staff", "PATCH", "/me/preferences", json={"notify_email": "hourly"}
        ).status_code
        == 422
    )
    assert (
        w.call(
            "college_staff", "PATCH", "/me/preferences", json={"email": "not an address"}
        ).status_code
        == 422
    )
    out = w.ok("college_staff", "PATCH", "/me/preferences", json={"email": None})
    assert out["email"] is None
    db.expire_all()
    user = db.get(User, w["college_staff"].id)
    assert user is not None
    assert user.notify_email == "none"
    assert user.email is None
    # nobody else changed
    other = db.execute(sa.select(User).where(User.id == w["college_staff2"].id)).scalar_one()
    assert other.notify_email == "each"


def test_admins_set_the_preference_in_the_users_api(world: World) -> None:
    w = world
    uid = w["dept_lead_head"].id
    out = w.ok(
        "committee_admin",
        "PATCH",
        f"/users/{uid}",
        json={"notify_email": "digest", "email": "head@example.edu.cn"},
    )
    assert out["notify_email"] == "digest"
    assert out["email"] == "head@example.edu.cn"
    assert w.ok("dept_lead_head", "GET", "/me/preferences")["notify_email"] == "digest"
    out = w.ok("committee_admin", "PATCH", f"/users/{uid}", json={"email": None})
    assert out["email"] is None
    assert out["notify_email"] == "digest"
    made = w.ok(
        "committee_admin",
        "POST",
        "/users",
        json={
            "username": "li.si",
            "display_name": "李四",
            "password": "a-long-password",
            "unit_id": w.dept_lead.id,
            "notify_email": "none",
        },
    )
    assert made["notify_email"] == "none"
    r = w.call("dept_lead_staff", "PATCH", f"/users/{uid}", json={"notify_email": "none"})
    assert r.status_code == 403
