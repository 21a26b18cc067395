"""The notification page's tabs (待办, 超期, 督办, 其他): every kind of notice the backend makes has
its group, each notice says it, and the inbox filters by it, for the caller's notices only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from backend.core.clock import FrozenClock
from backend.events import contract as ev
from backend.models import Notification
from backend.notifications.groups import GROUP_OF, NotificationGroup
from backend.notifications.handlers import EVENT_PREFIXES
from backend.warnings.service import RAISED_TOPIC
from tests.factories import World


def test_every_kind_the_backend_emits_has_its_place() -> None:
    # A notice's kind is the topic of the event it came from (backend.notifications.handlers):
    # every topic of the event contract the notifications consumer takes.
    emitted = {t for t in ev.BY_TOPIC if t.startswith(EVENT_PREFIXES)}
    assert emitted == set(ev.BY_TOPIC), "a topic the notifications consumer never sees"
    # Besides the ticket events: the notices of the warnings consumer (issue 10).
    assert set(GROUP_OF) == emitted | {RAISED_TOPIC}
    assert set(GROUP_OF.values()) == set(NotificationGroup)


# The decisions the page shows, spelled out: what the reader must do, a deadline, supervision.
EXPECTED = {
    "ticket.submit": "todo",
    "ticket.dispatch": "todo",
    "ticket.reopen": "todo",
    "ticket.return": "todo",
    "ticket.request_extension": "todo",
    "ticket.reply": "todo",
    "ticket.revisit": "todo",
    "ticket.assign": "todo",
    "ticket.overdue": "overdue",
    "sla.reminder": "overdue",
    "ticket.urge": "supervision",
    "supervision.raised": "supervision",
    "supervision.acknowledged": "supervision",
    "supervision.closed": "supervision",
    "supervision.voided": "supervision",
    "warning.raised": "supervision",
    "exclusion.requested": "todo",  # the committee decides the 核减 request
    "exclusion.decided": "other",
    "ticket.accept": "other",
    "ticket.decide_extension": "other",
    "ticket.score": "other",
    "ticket.close": "other",
    "ticket.reject": "other",
    "ticket.merge": "other",
    "mail.something_new": "other",  # a kind nobody placed yet reads as other
}


def _notice(db: Session, user_id: int, kind: str, clock: FrozenClock, i: int) -> int:
    n = Notification(
        user_id=user_id,
        kind=kind,
        title=f"{kind} 通知",
        body="正文",
        link=None,
        created_at=clock.now() + timedelta(seconds=i),
    )
    db.add(n)
    db.flush()
    assert n.id is not None
    return n.id


def test_the_inbox_filters_by_group(world: World, db: Session, clock: FrozenClock) -> None:
    w = world
    me = w["dept_lead_staff"].id
    mine = {_notice(db, me, kind, clock, i): kind for i, kind in enumerate(EXPECTED)}
    # Someone else's notices of every kind: never in the caller's tabs.
    for i, kind in enumerate(EXPECTED):
        _notice(db, w["dept_lead_head"].id, kind, clock, 100 + i)

    everything = w.ok("dept_lead_staff", "GET", "/notifications", params={"limit": 100})
    assert {n["id"]: n["group"] for n in everything["items"]} == {
        nid: EXPECTED[kind] for nid, kind in mine.items()
    }
    for group in ("todo", "overdue", "supervision", "other"):
        page = w.ok("dept_lead_staff", "GET", "/notifications", params={"group": group})
        want = sorted((nid for nid, kind in mine.items() if EXPECTED[kind] == group), reverse=True)
        assert [n["id"] for n in page["items"]] == want, group
        assert {n["group"] for n in page["items"]} == {group}


def test_group_pages_and_combines_with_unread(
    world: World, db: Session, clock: FrozenClock
) -> None:
    w = world
    me = w["committee_staff"].id
    todo = [_notice(db, me, "ticket.submit", clock, i) for i in range(3)]
    _notice(db, me, "ticket.overdue", clock, 10)
    _notice(db, me, "ticket.accept", clock, 11)
    w.ok("committee_staff", "POST", f"/notifications/{todo[1]}/read")

    first = w.ok("committee_staff", "GET", "/notifications", params={"group": "todo", "limit": 2})
    assert [n["id"] for n in first["items"]] == [todo[2], todo[1]]
    rest = w.ok(
        "committee_staff",
        "GET",
        "/notifications",
        params={"group": "todo", "limit": 2, "cursor": first["next_cursor"]},
    )
    assert [n["id"] for n in rest["items"]] == [todo[0]]
    assert rest["next_cursor"] is None
    unread = w.ok(
        "committee_staff", "GET", "/notifications", params={"group": "todo", "unread": "true"}
    )
    assert [n["id"] for n in unread["items"]] == [todo[2], todo[0]]


def test_an_unknown_group_is_refused(world: World) -> None:
    r = world.call("committee_staff", "GET", "/notifications", params={"group": "urgent"})
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"
