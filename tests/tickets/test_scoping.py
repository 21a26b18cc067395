"""Scope never leaks: lists, details, timelines and side lists show each role exactly what
DOMAIN.md allows, and the identity tiers hide the submitter wherever they must.

The expected sets are computed here from the rules of DOMAIN.md (``sees``), independently of
``backend.tickets.permissions``, over a population built through the real API.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.clock import FrozenClock
from backend.models import IdempotencyRecord, Ticket, TicketEvent
from tests.conftest import T0
from tests.factories import ROLES, World, headers_for

# How each role of the world stands: (unit kind, unit key, is head).
STANDING: dict[str, tuple[str, str | None, bool]] = {
    "committee_admin": ("committee", None, True),
    "committee_staff": ("committee", None, False),
    "dept_lead_head": ("department", "L", True),
    "dept_lead_staff": ("department", "L", False),
    "dept_assist_staff": ("department", "S", False),
    "dept_other_staff": ("department", "O", False),
    "college_head": ("college", "A", True),
    "college_staff": ("college", "A", False),
    "college_staff2": ("college", "A", False),
    "college_other_head": ("college", "B", True),
    "college_other_staff": ("college", "B", False),
}
assert set(STANDING) == set(ROLES)

COMMITTEE = [r for r in ROLES if STANDING[r][0] == "committee"]
DEPARTMENTS = [r for r in ROLES if STANDING[r][0] == "department"]
COLLEGES = [r for r in ROLES if STANDING[r][0] == "college"]
BATCH_2 = T0 + timedelta(days=2)  # Thursday 10:00: the first batch's open deadlines have passed
CONTENT = "具体情况请相关部门核实处理，谢谢。"


@dataclass
class Spec:
    """What the test knows about one ticket, independently of the server's scope code."""

    key: str
    id: int
    college: str | None
    submitter: str | None  # the role whose account the ticket row is linked to
    text: str
    created_at: datetime
    status: str
    departments: set[str] = field(default_factory=set)  # every unit that is or was lead/assist
    merged_into: int | None = None


def sees(role: str, spec: Spec, specs: list[Spec]) -> bool:
    """DOMAIN.md: the committee sees all; a department what it is or was on; a college head the
    college's tickets; college staff their own; both also the merge root of their merged ones."""
    kind, unit, head = STANDING[role]
    if kind == "committee":
        return True
    if kind == "department":
        return unit in spec.departments

    def own(s: Spec) -> bool:
        return s.college == unit if head else s.submitter == role

    return own(spec) or any(own(c) for c in specs if c.merged_into == spec.id)


class Population:
    def __init__(self, world: World) -> None:
        self.w = world
        self.specs: dict[str, Spec] = {}
        self.unit = {
            "L": world.dept_lead.id,
            "S": world.dept_assist.id,
            "O": world.dept_other.id,
            "A": world.college.id,
            "B": world.college_other.id,
        }

    def submit(self, key: str, role: str, title: str, content: str = CONTENT, **body: Any) -> int:
        t = self.w.submit(role=role, title=title, content=content, **body)
        kind, unit, _ = STANDING[role]
        if kind == "committee":
            cid = body.get("college_id")
            college = next((k for k, v in self.unit.items() if v == cid), None) if cid else None
        else:
            college = unit
        linked = kind == "college" and body.get("anonymity") != "full"
        self.specs[key] = Spec(
            key=key,
            id=t["id"],
            college=college,
            submitter=role if linked else None,
            text=title + content,
            created_at=datetime.fromisoformat(t["created_at"]),
            status=t["status"],
        )
        return int(t["id"])

    def act(self, key: str, role: str, action: str, json: dict[str, Any] | None = None) -> None:
        spec = self.specs[key]
        t = self.w.ok(role, "POST", f"/tickets/{spec.id}/{action}", json=json)
        spec.status = t["status"]

    def dispatch(self, key: str, lead: str, assist: tuple[str, ...] = ()) -> None:
        body = {
            "lead_department_id": self.unit[lead],
            "assisting_department_ids": [self.unit[a] for a in assist],
        }
        self.act(key, "committee_staff", "dispatch", body)
        self.specs[key].departments |= {lead, *assist}

    def all(self) -> list[Spec]:
        return list(self.specs.values())

    def visible(self, role: str) -> set[int]:
        return {s.id for s in self.all() if sees(role, s, self.all())}

    def ids(self, pred: Any) -> set[int]:
        return {s.id for s in self.all() if pred(s)}


def refresh_sign_ins(world: World) -> None:
    for actor in world.actors.values():
        actor.headers = headers_for(world.db, world.settings, actor.user)
    world.db.commit()


def build_population(world: World, clock: FrozenClock) -> Population:
    p = Population(world)
    # --- first batch, Tuesday 10:00 ---
    p.submit("a1", "college_staff", "宿舍热水供应不稳定")
    p.submit("a2", "college_staff2", "食堂窗口排队太久", anonymity="named")
    p.submit("a3", "college_staff", "实验室设备报修无人处理")
    p.dispatch("a3", "L", ("S",))
    p.submit("b4", "college_other_staff", "教学楼电梯故障")
    p.dispatch("b4", "L")
    p.act("b4", "dept_lead_staff", "accept")
    # Returned by the lead and re-dispatched elsewhere: L and S stay as former departments.
    p.submit("a5", "college_staff", "奖学金评定流程不透明")
    p.dispatch("a5", "L", ("S",))
    p.act(
        "a5",
        "dept_lead_staff",
        "return",
        {"reason_code": "not_our_remit", "reason": "非本部门职责"},
    )
    p.dispatch("a5", "O")
    p.submit("b6", "college_other_head", "校园网晚间经常断线")
    p.dispatch("b6", "O")
    p.act("b6", "dept_other_staff", "accept")
    p.submit(
        "a7",
        "committee_staff",
        "来信：图书馆座位预约系统故障",
        college_id=world.college.id,
        channel="mailbox",
    )
    p.submit("x8", "committee_admin", "热线：满意率100%是否属实", channel="hotline")
    p.submit("a9", "college_staff", "体育馆开放时间太短")
    p.act("a9", "college_staff", "withdraw")
    p.submit("a10", "college_staff2", "食堂卫生问题", anonymity="full")
    p.submit("a11", "college_staff", "教学楼电梯经常停运")
    p.act("a11", "committee_staff", "merge", {"primary_id": p.specs["b4"].id})
    p.specs["a11"].merged_into = p.specs["b4"].id
    p.submit("b12", "college_other_staff", "希望增加校车班次")
    p.act("b12", "committee_staff", "reject", {"reason": "已有相关安排"})
    # --- second batch, Thursday 10:00 ---
    clock.advance(BATCH_2 - T0)
    refresh_sign_ins(world)  # the first sign-ins have expired by now
    p.submit("a13", "college_staff", "报销1000元需要五个签字")
    p.submit(
        "b14", "college_other_staff", "关于研究生补助", content="食堂饭卡补助发放延迟了一个月。"
    )
    p.submit("a15", "college_head", "学院办公用房紧张")
    p.dispatch("a15", "S", ("L",))
    return p


def list_ids(world: World, role: str, **params: Any) -> list[int]:
    r = world.call(role, "GET", "/tickets", params={"limit": 100, **params})
    assert r.status_code == 200, (role, params, r.text)
    page = r.json()
    assert page["next_cursor"] is None
    return [item["id"] for item in page["items"]]


def walk(world: World, role: str, **params: Any) -> list[int]:
    """Every page of the list, following next_cursor."""
    ids: list[int] = []
    cursor: str | None = None
    for _ in range(50):
        q = {**params, **({"cursor": cursor} if cursor else {})}
        page = world.ok(role, "GET", "/tickets", params=q)
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
        assert len(page["items"]) == params["limit"], "only the last page may be short"
    raise AssertionError("the cursor never ran out")


@pytest.fixture
def pop(world: World, clock: FrozenClock) -> Population:
    return build_population(world, clock)


# --- lists ----------------------------------------------------------------------------------------


def test_list_shows_exactly_each_role_scope_with_every_filter(
    world: World, pop: Population
) -> None:
    s = pop.specs
    # First the expectation itself, so that it cannot drift into something trivial.
    assert pop.visible("dept_lead_staff") == {s[k].id for k in ("a3", "b4", "a5", "a15")}
    assert pop.visible("dept_assist_staff") == {s[k].id for k in ("a3", "a5", "a15")}
    assert pop.visible("dept_other_staff") == {s[k].id for k in ("a5", "b6")}
    assert pop.visible("college_staff") == {
        s[k].id for k in ("a1", "a3", "b4", "a5", "a9", "a11", "a13")
    }
    assert pop.visible("college_staff2") == {s["a2"].id}
    assert pop.visible("college_head") == {
        s[k].id for k in ("a1", "a2", "a3", "b4", "a5", "a7", "a9", "a10", "a11", "a13", "a15")
    }
    assert pop.visible("college_other_staff") == {s[k].id for k in ("b4", "b12", "b14")}
    assert pop.visible("college_other_head") == {s[k].id for k in ("b4", "b6", "b12", "b14")}
    assert pop.visible("committee_staff") == {x.id for x in pop.all()}

    for role in ROLES:
        page = world.ok(role, "GET", "/tickets", params={"limit": 100})
        ids = [item["id"] for item in page["items"]]
        assert len(ids) == len(set(ids)), role
        assert set(ids) == pop.visible(role), role
        assert page["next_cursor"] is None
        for item in page["items"]:
            assert "submitter" not in item
            assert "contact" not in item

    u = pop.unit
    split = T0 + timedelta(days=1)

    def overdue(x: Spec) -> bool:
        return x.created_at < split and x.status in {"submitted", "dispatched"}

    cases: list[tuple[dict[str, Any], Any]] = [
        (
            {"status": ["submitted", "dispatched"]},
            lambda x: x.status in {"submitted", "dispatched"},
        ),
        ({"status": "withdrawn"}, lambda x: x.status == "withdrawn"),
        ({"department_id": u["L"]}, lambda x: "L" in x.departments),
        ({"department_id": u["O"]}, lambda x: "O" in x.departments),
        ({"college_id": u["A"]}, lambda x: x.college == "A"),
        ({"college_id": u["B"]}, lambda x: x.college == "B"),
        ({"q": "食堂"}, lambda x: "食堂" in x.text),
        ({"q": "  电梯 "}, lambda x: "电梯" in x.text),
        # LIKE wildcards are literal: "100%" must not match "1000", "_" matches nothing here.
        ({"q": "100%"}, lambda x: "100%" in x.text),
        ({"q": "_"}, lambda x: "_" in x.text),
        ({"overdue": "true"}, overdue),
        ({"overdue": "false"}, lambda x: not overdue(x)),
        ({"created_from": split.isoformat()}, lambda x: x.created_at >= split),
        ({"created_to": BATCH_2.isoformat()}, lambda x: x.created_at < BATCH_2),
        (
            {"status": "submitted", "college_id": u["A"], "overdue": "true"},
            lambda x: x.status == "submitted" and x.college == "A" and overdue(x),
        ),
    ]
    for params, pred in cases:
        matching = pop.ids(pred)
        if params != {"q": "_"}:
            assert matching, params  # each filter really splits the population
            assert matching != pop.ids(lambda x: True), params
        for role in ROLES:
            got = list_ids(world, role, **params)
            assert set(got) == matching & pop.visible(role), (role, params)

    r = world.call(
        "committee_staff", "GET", "/tickets", params={"created_from": "2026-03-10T00:00"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "naive_datetime"


# --- keyset pagination ----------------------------------------------------------------------------


def test_pages_walk_every_visible_ticket_exactly_once(world: World, pop: Population) -> None:
    for role in ROLES:
        visible = [x for x in pop.all() if x.id in pop.visible(role)]
        newest_first = [
            x.id for x in sorted(visible, key=lambda x: (x.created_at, x.id), reverse=True)
        ]
        assert walk(world, role, limit=3) == newest_first, role
        assert walk(world, role, limit=3, sort="created_at") == newest_first[::-1], role

    updated = {
        x.id: datetime.fromisoformat(
            world.ok("committee_staff", "GET", f"/tickets/{x.id}")["updated_at"]
        )
        for x in pop.all()
    }
    by_update = sorted(updated, key=lambda i: (updated[i], i))
    assert walk(world, "committee_staff", limit=3, sort="updated_at") == by_update
    assert walk(world, "committee_staff", limit=4, sort="-updated_at") == by_update[::-1]

    # A cursor carries no authority: taken from the committee's list, it gives another role
    # nothing beyond that role's own scope.
    page = world.ok("committee_staff", "GET", "/tickets", params={"limit": 2})
    assert page["next_cursor"]
    first = {i["id"] for i in page["items"]}
    for role in ("college_other_staff", "dept_other_staff", "college_head"):
        got = world.ok(
            role, "GET", "/tickets", params={"limit": 100, "cursor": page["next_cursor"]}
        )
        ids = {i["id"] for i in got["items"]}
        assert ids <= pop.visible(role) - first, role
        assert ids == {
            x.id
            for x in pop.all()
            if x.id in pop.visible(role)
            and (x.created_at, x.id) < min((y.created_at, y.id) for y in pop.all() if y.id in first)
        }


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _b64(b"[1, 2]"),
        _b64(b'{"a": 1}'),
        _b64(b"[]"),
        _b64(b'"2026-03-10T10:00:00+08:00"'),
        _b64(b'["2026-03-10T10:00:00", 5]'),  # naive
        _b64(b'["2026-03-10T10:00:00+08:00", "5"]'),
        _b64(b"\xff\xfe"),
    ],
)
def test_bad_cursor_is_422(world: World, cursor: str) -> None:
    r = world.call("committee_staff", "GET", "/tickets", params={"cursor": cursor})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "bad_cursor"


@pytest.mark.parametrize(
    "params", [{"limit": 101}, {"limit": 0}, {"limit": -1}, {"sort": "title"}, {"sort": "-id"}]
)
def test_bad_page_parameters_are_422(world: World, params: dict[str, Any]) -> None:
    r = world.call("college_staff", "GET", "/tickets", params=params)
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


def test_limit_100_is_allowed(world: World) -> None:
    world.submit()
    page = world.ok("college_staff", "GET", "/tickets", params={"limit": 100})
    assert len(page["items"]) == 1


# --- detail, timeline, side lists -----------------------------------------------------------------


def test_out_of_scope_is_indistinguishable_from_missing(world: World, pop: Population) -> None:
    missing_id = max(x.id for x in pop.all()) + 1000
    for role in ROLES:
        visible = pop.visible(role)
        absent = {
            path: world.call(role, "GET", path.format(missing_id))
            for path in ("/tickets/{}", "/tickets/{}/events")
        }
        for path, r in absent.items():
            assert r.status_code == 404, (role, path)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "not_found"
        for spec in pop.all():
            for path, missing in absent.items():
                r = world.call(role, "GET", path.format(spec.id))
                if spec.id in visible:
                    assert r.status_code == 200, (role, spec.key, path, r.text)
                    if path == "/tickets/{}":
                        assert r.json()["id"] == spec.id
                        assert r.json()["status"] == spec.status
                else:
                    assert r.status_code == 404, (role, spec.key, path, r.text)
                    assert r.json() == missing.json(), (role, spec.key, path)
                    assert "etag" not in r.headers


def test_side_lists_former_departments_and_actions_out_of_scope(
    world: World, pop: Population
) -> None:
    a5 = pop.specs["a5"]
    for role in ROLES:
        for side in ("extensions", "returns", "attachments"):
            r = world.call(role, "GET", f"/tickets/{a5.id}/{side}")
            if not sees(role, a5, pop.all()):
                assert r.status_code == 404, (role, side)
                assert r.json()["code"] == "not_found"
            elif STANDING[role][0] == "college" and side != "attachments":
                assert r.status_code == 403, (role, side)
                assert r.json()["code"] == "forbidden"
            else:
                assert r.status_code == 200, (role, side, r.text)
                if side == "returns":
                    returns = r.json()
                    assert [x["department"]["id"] for x in returns] == [pop.unit["L"]]
                    assert returns[0]["reason_code"] == "not_our_remit"

    # A department that returned the ticket (and its assistant) still reads it, but may act no more.
    for role in ("dept_lead_staff", "dept_lead_head", "dept_assist_staff"):
        t = world.ok(role, "GET", f"/tickets/{a5.id}")
        assert t["lead_department"]["id"] == pop.unit["O"]
        assert t["assisting_departments"] == []
        assert t["allowed_actions"] == []
        events = world.ok(role, "GET", f"/tickets/{a5.id}/events")
        assert [e["action"] for e in events] == ["submit", "dispatch", "return", "dispatch"]
        r = world.call(role, "POST", f"/tickets/{a5.id}/accept")
        assert r.status_code == 403, role
    new_lead = world.ok("dept_other_staff", "GET", f"/tickets/{a5.id}")
    assert new_lead["allowed_actions"] == ["return", "accept"]

    # Acting on a ticket out of scope is "not found", never "forbidden", and changes nothing.
    a1 = pop.specs["a1"].id
    for role in ("college_staff2", "college_other_head", "dept_lead_staff"):
        r = world.call(role, "POST", f"/tickets/{a1}/withdraw")
        assert r.status_code == 404, role
        assert r.json()["code"] == "not_found"
    assert world.ok("college_staff", "GET", f"/tickets/{a1}")["status"] == "submitted"


# --- identity tiers -------------------------------------------------------------------------------


def _submit_event(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in events if e["action"] == "submit")


def _leaks(world: World, role: str, tid: int, who: str) -> bool:
    """Does anything the role can read about the ticket name the person ``who``?"""
    user = world[who].user
    texts = [world.call(role, "GET", f"/tickets/{tid}{p}").text for p in ("", "/events")]
    return any(user.display_name in t or user.username in t for t in texts)


def test_named_ticket_shows_the_submitter_to_everyone_in_scope(world: World) -> None:
    t = world.ticket_in("accepted", anonymity="named")
    me = world["college_staff"].id
    in_scope = [*COMMITTEE, "dept_lead_head", "dept_lead_staff", "dept_assist_staff"]
    for role in [*in_scope, "college_head", "college_staff"]:
        detail = world.ok(role, "GET", f"/tickets/{t['id']}")
        assert detail["submitter"]["id"] == me, role
        assert detail["anonymity"] == "named"
        assert (
            _submit_event(world.ok(role, "GET", f"/tickets/{t['id']}/events"))["actor"]["id"] == me
        )
    for role in ("college_staff2", "dept_other_staff", "college_other_head"):
        assert world.call(role, "GET", f"/tickets/{t['id']}").status_code == 404


def test_department_tier_hides_the_submitter_from_departments(world: World) -> None:
    t = world.ticket_in("closed")  # default tier for college staff; scored by the submitter
    assert t["anonymity"] == "department"
    tid, me = t["id"], world["college_staff"].id
    for role in [*COMMITTEE, "college_head", "college_staff"]:
        assert world.ok(role, "GET", f"/tickets/{tid}")["submitter"]["id"] == me, role
        events = world.ok(role, "GET", f"/tickets/{tid}/events")
        assert _submit_event(events)["actor"]["id"] == me
        score = next(e for e in events if e["action"] == "score")
        assert score["actor"]["id"] == me
    for role in ("dept_lead_head", "dept_lead_staff", "dept_assist_staff"):
        detail = world.ok(role, "GET", f"/tickets/{tid}")
        assert detail["submitter"] is None
        assert detail["college"]["id"] == world.college.id
        events = world.ok(role, "GET", f"/tickets/{tid}/events")
        for e in events:
            if e["action"] in ("submit", "score"):
                assert e["actor"] is None, (role, e)
                assert e["actor_unit"]["id"] == world.college.id
            else:  # the others' actions keep their names
                assert e["actor"] is not None, (role, e)
        assert not _leaks(world, role, tid, "college_staff"), role


def test_department_tier_withdraw_is_hidden_from_the_former_department(world: World) -> None:
    """A returned ticket goes back to ``submitted``, so its submitter may withdraw it; the
    department that returned it can still read it and must not learn who withdrew."""
    t = world.submit()
    tid = t["id"]
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )
    world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/return",
        json={"reason_code": "needs_info", "reason": "请补充具体位置"},
    )
    world.ok("college_staff", "POST", f"/tickets/{tid}/withdraw")
    me = world["college_staff"].id

    listed = {i["id"] for i in world.ok("dept_lead_staff", "GET", "/tickets")["items"]}
    assert tid in listed
    detail = world.ok("dept_lead_staff", "GET", f"/tickets/{tid}")
    assert detail["status"] == "withdrawn"
    assert detail["submitter"] is None
    events = world.ok("dept_lead_staff", "GET", f"/tickets/{tid}/events")
    withdraw = next(e for e in events if e["action"] == "withdraw")
    assert withdraw["actor"] is None
    assert withdraw["actor_unit"]["id"] == world.college.id
    assert _submit_event(events)["actor"] is None
    assert not _leaks(world, "dept_lead_staff", tid, "college_staff")

    committee_events = world.ok("committee_staff", "GET", f"/tickets/{tid}/events")
    assert next(e for e in committee_events if e["action"] == "withdraw")["actor"]["id"] == me
    # A department that never held it does not see it at all.
    assert world.call("dept_assist_staff", "GET", f"/tickets/{tid}").status_code == 404


def test_withdrawn_before_dispatch_is_invisible_to_departments(world: World) -> None:
    t = world.ticket_in("withdrawn")
    for role in DEPARTMENTS:
        assert world.call(role, "GET", f"/tickets/{t['id']}/events").status_code == 404
        assert t["id"] not in {i["id"] for i in world.ok(role, "GET", "/tickets")["items"]}


def test_full_anonymity_leaves_no_trace(world: World, db: Session) -> None:
    me = world["college_staff"].id
    r = world.call(
        "college_staff",
        "POST",
        "/tickets",
        json={
            "title": "匿名反映：评优有暗箱",
            "content": "希望公开评审细则。",
            "anonymity": "full",
        },
        headers={"Idempotency-Key": "full-anon-1"},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    tid = created["id"]
    code = created["tracking_code"]
    assert isinstance(code, str)
    assert len(code.replace("-", "")) == 16
    assert created["submitter"] is None

    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )
    # Nobody sees who it was: not the committee, not the department, not the college head.
    for role in [*COMMITTEE, "dept_lead_staff", "college_head"]:
        detail = world.ok(role, "GET", f"/tickets/{tid}")
        assert detail["submitter"] is None, role
        assert detail["college"]["id"] == world.college.id
        submit = _submit_event(world.ok(role, "GET", f"/tickets/{tid}/events"))
        assert submit["actor"] is None, role
        assert submit["actor_unit"]["id"] == world.college.id
        assert not _leaks(world, role, tid, "college_staff"), role
    # The account is not linked to it: only the tracking code leads back.
    assert world.call("college_staff", "GET", f"/tickets/{tid}").status_code == 404
    assert tid not in {i["id"] for i in world.ok("college_staff", "GET", "/tickets")["items"]}
    public = world.client.get(f"/api/v1/public/tickets/{code}")
    assert public.status_code == 200
    assert public.json()["ticket_code"] == created["code"]

    db.expire_all()
    row = db.get(Ticket, tid)
    assert row is not None
    assert row.submitter_id is None
    assert row.recorded_by_id is None
    actors = db.execute(sa.select(TicketEvent.actor_id).where(TicketEvent.ticket_id == tid)).all()
    assert len(actors) == 2
    assert me not in {a for (a,) in actors}
    # The idempotency record is keyed by an HMAC, not by the account.
    slots = db.execute(sa.select(IdempotencyRecord.principal)).scalars().all()
    assert slots
    assert all(re.fullmatch("[0-9a-f]{64}", slot) for slot in slots)


def test_internal_notes_are_hidden_from_the_college(world: World) -> None:
    t = world.ticket_in("accepted")
    tid = t["id"]
    world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/notes",
        json={"content": "内部：需要后勤协调预算", "internal": True},
    )
    world.ok("dept_assist_staff", "POST", f"/tickets/{tid}/notes", json={"content": "已现场查看"})
    world.ok(
        "dept_lead_head",
        "POST",
        f"/tickets/{tid}/assign",
        json={"handler_id": world["dept_lead_staff"].id},
    )

    def notes(role: str) -> list[tuple[str, bool]]:
        events = world.ok(role, "GET", f"/tickets/{tid}/events")
        return [(e["action"], e["internal"]) for e in events if e["action"] in ("note", "assign")]

    everything = [("note", True), ("note", False), ("assign", True)]
    for role in ("committee_staff", "dept_lead_staff", "dept_lead_head", "dept_assist_staff"):
        assert notes(role) == everything, role
        assert world.ok(role, "GET", f"/tickets/{tid}")["handler"] is not None
    for role in ("college_staff", "college_head"):
        assert notes(role) == [("note", False)], role
        events = world.call(role, "GET", f"/tickets/{tid}/events").text
        assert "内部：需要后勤协调预算" not in events
        assert world.ok(role, "GET", f"/tickets/{tid}")["handler"] is None


def test_merged_submitter_follows_the_root_and_scores_their_own_ticket(world: World) -> None:
    """DOMAIN (merge row): the merged ticket's submitter reads the root's reply and revisit and
    scores on their *own* ticket; only the root's submitter scores and closes the root.
    (Issue 8, defect 3: the merged submitter used to score, and close, the root.)"""
    primary = world.submit(role="college_other_staff", title="二号教学楼电梯故障")
    pid = primary["id"]
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{pid}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )
    mine = world.submit(title="电梯又坏了")
    assert world.call("college_staff", "GET", f"/tickets/{pid}").status_code == 404
    world.ok("committee_staff", "POST", f"/tickets/{mine['id']}/merge", json={"primary_id": pid})

    detail = world.ok("college_staff", "GET", f"/tickets/{pid}")
    assert detail["id"] == pid
    assert detail["submitter"] is None  # the primary's submitter belongs to another college
    events = world.ok("college_staff", "GET", f"/tickets/{pid}/events")
    assert _submit_event(events)["actor"] is None
    assert not _leaks(world, "college_staff", pid, "college_other_staff")
    assert pid in {i["id"] for i in world.ok("college_staff", "GET", "/tickets")["items"]}
    for role in ("college_staff2", "dept_assist_staff"):
        assert world.call(role, "GET", f"/tickets/{pid}").status_code == 404
    mine_now = world.ok("college_staff", "GET", f"/tickets/{mine['id']}")
    assert mine_now["status"] == "merged"
    assert mine_now["merged_into"]["id"] == pid

    world.ok("dept_lead_staff", "POST", f"/tickets/{pid}/accept")
    world.ok("dept_lead_staff", "POST", f"/tickets/{pid}/reply", json={"content": "已维修完毕。"})
    score = {"efficiency": 4, "handling": 4, "effect": 4}
    r = world.call("college_staff", "POST", f"/tickets/{mine['id']}/score", json=score)
    assert (r.status_code, r.json()["code"]) == (409, "root_not_revisited")
    mine_now = world.ok("college_staff", "GET", f"/tickets/{mine['id']}")
    assert mine_now["reply"]["content"] == "已维修完毕。"
    assert "score" not in mine_now["allowed_actions"]
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{pid}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )
    # The root is not theirs to score: refused by role, not offered.
    assert "score" not in world.ok("college_staff", "GET", f"/tickets/{pid}")["allowed_actions"]
    r = world.call("college_staff", "POST", f"/tickets/{pid}/score", json=score)
    assert (r.status_code, r.json()["code"]) == (403, "action_forbidden")
    mine_now = world.ok("college_staff", "GET", f"/tickets/{mine['id']}")
    assert "score" in mine_now["allowed_actions"]
    assert mine_now["revisit"]["outcome"] == "resolved"
    root = world.ok("committee_staff", "GET", f"/tickets/{pid}")
    assert mine_now["score_due_at"] == root["score_due_at"]  # the root's window

    scored = world.ok(
        "college_staff",
        "POST",
        f"/tickets/{mine['id']}/score",
        json={"efficiency": 4, "handling": 5, "effect": 4},
    )
    assert scored["status"] == "closed"
    assert scored["score"]["overall"] == 4
    assert scored["score"]["via"] == "college"
    assert scored["reply"]["department"]["id"] == world.dept_lead.id
    # The root is still the root's own submitter's to score, and theirs alone.
    assert world.ok("committee_staff", "GET", f"/tickets/{pid}")["status"] == "revisited"
    root_scored = world.ok(
        "college_other_staff",
        "POST",
        f"/tickets/{pid}/score",
        json={"efficiency": 2, "handling": 2, "effect": 2},
    )
    assert root_scored["score"]["overall"] == 2
    assert world.ok("college_staff", "GET", f"/tickets/{mine['id']}")["score"]["overall"] == 4
