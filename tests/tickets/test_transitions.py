"""The transition table, exhaustively: every action × every state × every role.

The expected answers are derived here from DOMAIN.md ("Transitions, and who may make them" and
"Units and roles"), written out as data; nothing is read from ``backend.tickets.transitions``.
The guard answers in this order: 404 when the caller cannot see the ticket, 403 when they see it
but their relation may not take the action, 409 when the state forbids it. A refused action
changes nothing: not the ticket row, not its timeline, not the outbox.

Layout, for speed (≈1,700 refusals): ``test_refusals[state]`` builds one ticket in that state and
sends it every refused (action, role) pair; since a refusal changes nothing, they can all share it,
and every mismatch is reported together. ``test_allowed_action[action-state]`` then lets each
allowed role act on a ticket of its own. ``test_allowed_actions_match_the_table`` checks that
``allowed_actions`` offers exactly the allowed actions to each role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.events import contract
from backend.main import create_app
from backend.models import (
    Extension,
    OutboxMessage,
    Ticket,
    TicketDepartment,
    TicketEvent,
    TicketReturn,
    table,
)
from tests.factories import ROLES, World, headers_for

# --- one app for the module -------------------------------------------------------------------
# FastAPI builds each route's state on an app's first request (≈0.4 s); the shared ``app``
# fixture makes a new app per test. This module's tests reuse one app built the same way, whose
# sessions join the current test's connection just as the shared fixture's do.


@pytest.fixture(scope="module")
def _module_app(settings: Settings) -> tuple[Any, dict[str, sa.Connection]]:
    current: dict[str, sa.Connection] = {}

    def factory(write: bool = True) -> Session:
        return Session(
            bind=current["connection"],
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )

    return create_app(settings=settings, session_factory=factory), current


@pytest.fixture
def app(
    _module_app: tuple[Any, dict[str, sa.Connection]],
    connection: sa.Connection,
    clock: FrozenClock,
) -> Iterator[Any]:
    shared, current = _module_app
    current["connection"] = connection
    yield shared
    current.pop("connection", None)


# --- the table, from DOMAIN.md ------------------------------------------------------------------

STATES = (
    "submitted",
    "dispatched",
    "accepted",
    "replied",
    "revisited",
    "closed",
    "rejected",
    "withdrawn",
    "merged",
)
OPEN_STATES = frozenset({"submitted", "dispatched", "accepted", "replied", "revisited"})
# The states in which the ticket is with its departments (lead: dept_lead, assisting: dept_assist).
WITH_DEPARTMENTS = frozenset({"dispatched", "accepted", "replied", "revisited", "closed"})
CODE_HOLDER = "code_holder"  # holds a tracking code, no account: the public API only


def _fs(*items: str) -> frozenset[str]:
    return frozenset(items)


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    actors: frozenset[str]  # relations to the ticket that may take the action
    target: str | None  # None: the state stays


RULES: dict[str, Rule] = {
    "dispatch": Rule(_fs("submitted"), _fs("committee"), "dispatched"),
    "return": Rule(_fs("dispatched"), _fs("lead"), "submitted"),
    "accept": Rule(_fs("dispatched"), _fs("lead"), "accepted"),
    "note": Rule(_fs("accepted"), _fs("lead", "assist"), None),
    "request_extension": Rule(_fs("accepted"), _fs("lead"), None),
    "decide_extension": Rule(_fs("accepted"), _fs("committee"), None),
    "reply": Rule(_fs("accepted"), _fs("lead"), "replied"),
    "revisit": Rule(_fs("replied"), _fs("committee"), "revisited"),
    "reopen": Rule(_fs("replied", "revisited"), _fs("committee"), "dispatched"),
    # The merge row: a merged ticket is scored on its own by its own submitter side, once the
    # ticket it was merged into (its root) is revisited; the root's merged submitters read the
    # root but do not score it (issue 8, defect 3).
    "score": Rule(
        _fs("revisited", "merged"),
        _fs("committee", "submitter", "college_head", CODE_HOLDER),
        "closed",
    ),
    "close": Rule(_fs("revisited"), _fs("committee"), "closed"),
    "reject": Rule(_fs("submitted"), _fs("committee"), "rejected"),
    "withdraw": Rule(_fs("submitted"), _fs("submitter"), "withdrawn"),
    "merge": Rule(_fs("submitted"), _fs("committee"), "merged"),
    "urge": Rule(OPEN_STATES, _fs("committee"), None),
    # "its head can assign one to a handler": while the department holds it, before the reply.
    "assign": Rule(_fs("dispatched", "accepted"), _fs("lead_head"), None),
    # Judging a return is bookkeeping about the past: whatever state the ticket is in now.
    "judge_return": Rule(frozenset(STATES), _fs("committee"), None),
}
ACTIONS = tuple(RULES)

PROBLEM_CODES = {404: "not_found", 403: "action_forbidden", 409: "invalid_state"}
MISSING_ID = 987_654_321


def relations(role: str, state: str, *, returned: bool = False) -> frozenset[str]:
    """How ``role`` stands to a ticket that college_staff raised, now in ``state``.

    ``returned``: the lead department returned it once (then it may have been dispatched again).
    """
    if role in ("committee_admin", "committee_staff"):
        return _fs("committee")  # the committee sees everything
    department = {
        "dept_lead_head": _fs("lead", "lead_head"),
        "dept_lead_staff": _fs("lead"),
        "dept_assist_staff": _fs("assist"),
    }
    if role in department:
        if state in WITH_DEPARTMENTS:
            return department[role]
        # A department sees what it is or *was* lead/assisting on; before dispatch, nothing.
        return _fs("former_department") if returned else _fs()
    if role == "college_head":
        return _fs("college_head")  # all of the college's tickets
    if role == "college_staff":
        return _fs("submitter")
    if role == CODE_HOLDER:
        return _fs(CODE_HOLDER)
    # dept_other_staff, college_staff2 (same college, did not submit), the other college
    return _fs()


def expected_status(action: str, state: str, role: str, *, returned: bool = False) -> int:
    rels = relations(role, state, returned=returned)
    rule = RULES[action]
    if not rels:
        return 404
    if not rels & rule.actors:
        return 403
    if state not in rule.sources:
        return 409
    return 201 if action == "request_extension" else 200


def test_table_covers_every_case() -> None:
    """A sanity check of the data above: each action is allowed for someone somewhere."""
    assert len(ROLES) == 11
    for action in ACTIONS:
        allowed = [
            (s, r)
            for s in STATES
            for r in (*ROLES, CODE_HOLDER)
            if expected_status(action, s, r) < 300
        ]
        assert allowed, action
    assert expected_status("accept", "dispatched", "dept_assist_staff") == 403
    assert expected_status("accept", "submitted", "dept_lead_staff") == 404
    assert expected_status("accept", "submitted", "dept_lead_staff", returned=True) == 403
    assert expected_status("withdraw", "submitted", "college_head") == 403
    assert expected_status("score", "revisited", "college_staff2") == 404
    assert expected_status("assign", "accepted", "dept_lead_staff") == 403


# --- driving tickets ----------------------------------------------------------------------------


def dispatch_body(w: World) -> dict[str, Any]:
    return {"lead_department_id": w.dept_lead.id, "assisting_department_ids": [w.dept_assist.id]}


RETURN_BODY = {"reason_code": "not_our_remit", "reason": "不属于本部门职责范围"}
SCORE_BODY = {"efficiency": 5, "handling": 4, "effect": 5}
EXTENSION_BODY = {"days": 2, "reason": "需要等待设备厂家上门维修"}


@dataclass
class Built:
    id: int
    tracking_code: str | None = None
    extension_id: int | None = None
    return_id: int | None = None
    related: list[int] = field(default_factory=list)  # other tickets the action may touch


def submit_public(w: World, db: Session) -> Built:
    """A ticket from the public form (no account): its ``code`` is the tracking code."""
    r = w.client.post(
        "/api/v1/public/tickets", json={"title": "食堂排队太久", "content": "午餐高峰排队半小时。"}
    )
    assert r.status_code == 201, r.text
    t = table(Ticket)
    ticket_id = db.execute(sa.select(t.c.id).where(t.c.code == r.json()["ticket_code"])).scalar()
    assert ticket_id is not None
    return Built(id=ticket_id, tracking_code=r.json()["code"])


def build(
    w: World,
    db: Session,
    state: str,
    *,
    returned: bool = False,
    full: bool = False,
    public: bool = False,
) -> Built:
    """A ticket raised by college_staff and brought to ``state`` through the API.

    ``returned``: dispatched and returned by the lead once on the way (then, for the states that
    follow dispatch, dispatched to the same departments again). ``full``: fully anonymous, so it
    has a tracking code and no submitter. ``public``: raised on the public form instead.
    """
    if public:
        b = submit_public(w, db)
        full = True  # no submitter to withdraw or score it
    else:
        created = w.submit(anonymity="full") if full else w.submit()
        b = Built(id=created["id"], tracking_code=created.get("tracking_code"))

    def act(role: str, action: str, body: dict[str, Any] | None = None) -> None:
        w.ok(role, "POST", f"/tickets/{b.id}/{action}", json=body)

    if returned:
        act("committee_staff", "dispatch", dispatch_body(w))
        act("dept_lead_staff", "return", RETURN_BODY)
        returns = w.ok("committee_staff", "GET", f"/tickets/{b.id}/returns")
        b.return_id = returns[-1]["id"]
    if state == "submitted":
        return b
    if state == "rejected":
        act("committee_staff", "reject", {"reason": "不属于受理范围"})
        return b
    if state == "withdrawn":
        if full:
            # Nobody can withdraw a fully anonymous ticket through the API (it has no submitter
            # and the public channel offers no withdraw), so the state is written directly.
            db.execute(
                table(Ticket).update().where(table(Ticket).c.id == b.id).values(status="withdrawn")
            )
            db.commit()
        else:
            act("college_staff", "withdraw")
        return b
    if state == "merged":
        primary = build(w, db, "dispatched")
        act("committee_staff", "merge", {"primary_id": primary.id})
        b.related.append(primary.id)
        return b
    act("committee_staff", "dispatch", dispatch_body(w))
    if state == "dispatched":
        return b
    act("dept_lead_staff", "accept")
    if state == "accepted":
        return b
    act("dept_lead_staff", "reply", {"content": "已更换压缩机，空调恢复制冷。"})
    if state == "replied":
        return b
    act("committee_staff", "revisit", {"method": "phone", "outcome": "resolved"})
    if state == "revisited":
        return b
    assert state == "closed", state
    act("committee_staff" if full else "college_staff", "score", SCORE_BODY)
    return b


def revisit_root(w: World, b: Built) -> None:
    """Bring the dispatched primary of the merged ``b`` (its merge root) to revisited."""
    [root] = b.related
    w.ok("dept_lead_staff", "POST", f"/tickets/{root}/accept")
    w.ok("dept_lead_staff", "POST", f"/tickets/{root}/reply", json={"content": "已处理。"})
    revisit = {"method": "phone", "outcome": "resolved"}
    w.ok("committee_staff", "POST", f"/tickets/{root}/revisit", json=revisit)


def prepare(w: World, db: Session, action: str, state: str, *, returned: bool = False) -> Built:
    """The ticket for one (action, state) case, with what the action needs to be possible."""
    b = build(w, db, state, returned=returned)
    if action == "decide_extension" and state == "accepted":
        ext = w.ok("dept_lead_staff", "POST", f"/tickets/{b.id}/extensions", json=EXTENSION_BODY)
        b.extension_id = ext["id"]
    if action == "score" and state == "merged":
        revisit_root(w, b)
    return b


def request_path(action: str, b: Built) -> str:
    """The path under /tickets/{id}/ (or /public/tickets/{code}/)."""
    ext = b.extension_id or MISSING_ID
    ret = b.return_id or MISSING_ID
    special = {
        "note": "notes",
        "request_extension": "extensions",
        "decide_extension": f"extensions/{ext}/decision",
        "judge_return": f"returns/{ret}/judgement",
    }
    return special.get(action, action)


def request(w: World, role: str, action: str, b: Built, merge_into: int | None) -> Response:
    """``role`` POSTs ``action`` to ``b`` with a valid body."""
    body = {
        "dispatch": dispatch_body(w),
        "return": RETURN_BODY,
        "accept": None,
        "note": {"content": "已联系厂家，明天上门。"},
        "request_extension": EXTENSION_BODY,
        "decide_extension": {"approved": True, "note": "同意"},
        "reply": {"content": "已更换压缩机，空调恢复制冷。"},
        "revisit": {"method": "phone", "outcome": "resolved"},
        "reopen": {"reason": "回访时仍不制冷"},
        "score": SCORE_BODY,
        "close": {"note": "评价期满未评价"},
        "reject": {"reason": "不属于受理范围"},
        "withdraw": None,
        "merge": {"primary_id": merge_into or MISSING_ID},
        "urge": {"note": "请尽快办理"},
        "assign": {"handler_id": w["dept_lead_staff"].id},
        "judge_return": {"reasonable": False, "note": "属于职责"},
    }[action]
    path = f"/tickets/{b.id}/{request_path(action, b)}"
    return w.call(role, "POST", path, json=body)  # type: ignore[no-any-return]


# --- what "changes nothing" means -------------------------------------------------------------


def snapshot(db: Session, ticket_id: int) -> dict[str, Any]:
    """Everything an action could touch: the ticket row, its timeline, extensions, returns,
    departments, and the outbox."""
    db.expire_all()

    def rows(model: Any, *order: Any) -> list[dict[str, Any]]:
        t = table(model)
        q = sa.select(t).where(t.c.ticket_id == ticket_id).order_by(*[t.c[c] for c in order])
        return [dict(r) for r in db.execute(q).mappings()]

    tickets = table(Ticket)
    return {
        "ticket": dict(
            db.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).mappings().one()
        ),
        "events": rows(TicketEvent, "id"),
        "extensions": rows(Extension, "id"),
        "returns": rows(TicketReturn, "id"),
        "departments": rows(TicketDepartment, "department_id"),
        "outbox": db.execute(sa.select(sa.func.count()).select_from(table(OutboxMessage))).scalar(),
    }


def fingerprint(db: Session, b: Built) -> list[dict[str, Any]]:
    """One query per refusal: the ticket rows (``b`` and any related) with how many events,
    extensions, returns and active department links each has, and the outbox size."""
    t = table(Ticket)

    def count(model: Any, *where: Any) -> Any:
        return sa.select(sa.func.count()).select_from(table(model)).where(*where).scalar_subquery()

    ev, ex, rt, td = (table(m) for m in (TicketEvent, Extension, TicketReturn, TicketDepartment))
    q = (
        sa.select(
            t,
            count(TicketEvent, ev.c.ticket_id == t.c.id).label("n_events"),
            count(Extension, ex.c.ticket_id == t.c.id).label("n_extensions"),
            count(Extension, ex.c.ticket_id == t.c.id, ex.c.status == "pending").label("n_pending"),
            count(TicketReturn, rt.c.ticket_id == t.c.id).label("n_returns"),
            count(TicketReturn, rt.c.ticket_id == t.c.id, rt.c.reasonable.is_(None)).label(
                "n_unjudged"
            ),
            count(TicketDepartment, td.c.ticket_id == t.c.id, td.c.active.is_(True)).label(
                "n_active_departments"
            ),
            sa.select(sa.func.count())
            .select_from(table(OutboxMessage))
            .scalar_subquery()
            .label("n_outbox"),
        )
        .where(t.c.id.in_([b.id, *b.related]))
        .order_by(t.c.id)
    )
    return [dict(r) for r in db.execute(q).mappings()]


def outbox_since(db: Session, count_before: int) -> list[dict[str, Any]]:
    t = table(OutboxMessage)
    q = sa.select(t.c.topic, t.c.payload).order_by(t.c.id).offset(count_before)
    return [dict(r) for r in db.execute(q).mappings()]


def assert_problem(r: Response, status: int, code: str) -> None:
    assert r.status_code == status, (status, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["code"] == code, body
    assert body["status"] == status


def allowed_actions(w: World, role: str, ticket_id: int) -> list[str] | None:
    """The caller's ``allowed_actions``, or None when the ticket is not found for them."""
    r = w.call(role, "GET", f"/tickets/{ticket_id}")
    if r.status_code == 404:
        assert_problem(r, 404, "not_found")
        return None
    assert r.status_code == 200, r.text
    return r.json()["allowed_actions"]  # type: ignore[no-any-return]


def snapshot_all(db: Session, b: Built) -> list[dict[str, Any]]:
    return [snapshot(db, t) for t in (b.id, *b.related)]


def check_listing(
    w: World, role: str, b: Built, action: str, *, visible: bool, listed: bool
) -> None:
    """GET agrees with the action: 404 where not visible; ``action`` in ``allowed_actions`` iff
    ``listed``."""
    seen = allowed_actions(w, role, b.id)
    if not visible:
        assert seen is None, (role, action, "GET shows a ticket the role should not see")
        return
    assert seen is not None, (role, action, "GET said 404 to a role that sees the ticket")
    assert (action in seen) is listed, (role, action, seen)


def check_refused(
    w: World,
    db: Session,
    role: str,
    action: str,
    b: Built,
    status: int,
    code: str,
    merge_into: int | None = None,
    *,
    before: list[dict[str, Any]] | None = None,
) -> None:
    """The action is refused with ``status``/``code`` and nothing changed anywhere."""
    if before is None:
        before = snapshot_all(db, b)
    r = request(w, role, action, b, merge_into)
    assert r.status_code == status, (role, action, status, r.status_code, r.text)
    assert_problem(r, status, code)
    assert snapshot_all(db, b) == before, (role, action, "a refused action changed something")


def check_allowed(
    w: World, db: Session, role: str, action: str, b: Built, status: int, merge_into: int | None
) -> None:
    before = snapshot(db, b.id)
    seen = allowed_actions(w, role, b.id)
    assert seen is not None, (role, action, "GET said 404")
    assert action in seen, (role, action, seen)
    r = request(w, role, action, b, merge_into)
    assert r.status_code == status, (role, action, r.status_code, r.text)
    after = snapshot(db, b.id)
    old = before["ticket"]["status"]
    new = RULES[action].target or old
    assert after["ticket"]["status"] == new
    if action not in ("request_extension", "judge_return"):
        assert r.json()["status"] == new  # the ticket as it is now
    assert after["ticket"]["version"] == before["ticket"]["version"] + 1
    assert after["ticket"]["updated_at"] >= before["ticket"]["updated_at"]
    added = after["events"][len(before["events"]) :]
    assert after["events"][: len(before["events"])] == before["events"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in added] == [(action, old, new)]
    # merge also writes a "merged_in" event on the primary: one outbox row per event
    topics = [m["topic"] for m in outbox_since(db, before["outbox"])]
    assert topics == (
        [f"ticket.{action}", "ticket.merged_in"] if action == "merge" else [f"ticket.{action}"]
    )


def refresh_sessions(w: World, db: Session) -> None:
    """New access tokens after the clock jumped past the old sessions' end."""
    for actor in w.actors.values():
        actor.headers = headers_for(db, w.settings, actor.user)
    db.commit()


# Actions whose offer depends on more than state and role: a pending extension, an unjudged
# return, the end of the scoring window, a merged ticket's revisited root.
CONDITIONAL = frozenset({"decide_extension", "judge_return", "close", "score"})
DEPARTMENT_ROLES = ("dept_lead_head", "dept_lead_staff", "dept_assist_staff", "dept_other_staff")


def refused_cells(
    state: str, roles: tuple[str, ...], *, returned: bool
) -> list[tuple[str, str, int, str]]:
    """(action, role, status, code) for every refusal in ``state``."""
    cells = []
    for action in ACTIONS:
        for role in roles:
            status = expected_status(action, state, role, returned=returned)
            if status < 300:
                if action == "judge_return" and not returned:
                    # The committee passes the guard in every state; with no return to judge,
                    # the return id in the path is simply not found.
                    cells.append((action, role, 404, "not_found"))
                if action == "score" and state == "merged":
                    # build() merges into a dispatched primary: its root is not revisited yet.
                    cells.append((action, role, 409, "root_not_revisited"))
                continue  # allowed: see test_allowed_action
            cells.append((action, role, status, PROBLEM_CODES[status]))
    return cells


def run_refusals(
    w: World, db: Session, b: Built, state: str, roles: tuple[str, ...], *, returned: bool
) -> list[str]:
    """Send every refused (action, role) of ``state`` to ``b``; the mismatches, as text.

    Each refusal must leave everything as it was, so all of them can share one ticket. After
    each one a one-query fingerprint is compared; at the end, every row in full."""
    merge_into = w.submit()["id"]  # an open primary: a refused merge is about role or state only
    cells = refused_cells(state, roles, returned=returned)
    assert cells
    wrong: list[str] = []
    full_before = snapshot_all(db, b)
    before = fingerprint(db, b)
    for action, role, status, code in cells:
        r = request(w, role, action, b, merge_into)
        media = r.headers.get("content-type", "").split(";")[0]
        got_code = r.json().get("code") if media.endswith("json") else None
        if (r.status_code, media, got_code) != (status, "application/problem+json", code):
            wrong.append(
                f"{action} by {role} in {state}: want {status} {code}, "
                f"got {r.status_code} {media} {r.text[:200]}"
            )
        after = fingerprint(db, b)
        if after != before:
            wrong.append(f"{action} by {role} in {state}: refused ({r.status_code}) but changed")
            before = after
    if snapshot_all(db, b) != full_before:
        wrong.append(f"in {state}: the refusals changed the ticket's rows")
    return wrong


@pytest.mark.parametrize("state", STATES)
def test_refusals(world: World, db: Session, state: str) -> None:
    """Every action × every role that may not take it here: 404 / 403 / 409, nothing changes."""
    b = build(world, db, state)
    wrong = run_refusals(world, db, b, state, ROLES, returned=False)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("state", ["submitted", "rejected", "withdrawn", "merged"])
def test_refusals_after_a_return(world: World, db: Session, state: str) -> None:
    """A department that returned a ticket (or assisted on it) still sees it, so it is told 403,
    not 404, in the states that follow. Other roles stand as in ``test_refusals``."""
    b = build(world, db, state, returned=True)
    wrong = run_refusals(world, db, b, state, DEPARTMENT_ROLES, returned=True)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("returned", [False, True], ids=["plain", "returned"])
@pytest.mark.parametrize("state", STATES)
def test_allowed_actions_match_the_table(
    world: World, db: Session, state: str, returned: bool
) -> None:
    """Every role's ``allowed_actions`` is exactly what the table allows it here, on a ticket
    without a pending extension, inside its scoring window, with an unjudged return iff
    ``returned``. A role that may not see the ticket gets 404 from GET too."""
    b = build(world, db, state, returned=returned)
    not_offered_here = {"decide_extension", "close"} | (set() if returned else {"judge_return"})
    if state == "merged":
        not_offered_here.add("score")  # its root (the primary) is not revisited yet
    for role in ROLES:
        seen = allowed_actions(world, role, b.id)
        if not relations(role, state, returned=returned):
            assert seen is None, role
            continue
        want = {
            a for a in ACTIONS if expected_status(a, state, role, returned=returned) < 300
        } - not_offered_here
        assert seen is not None, role
        assert sorted(seen) == sorted(want), (role, state)


ALLOWED_CASES = [
    pytest.param(action, state, returned, id=f"{action}-{state}{'-returned' if returned else ''}")
    for action in ACTIONS
    for state in STATES
    for returned in (False, True)
    if (action == "judge_return") is returned
    and any(expected_status(action, state, r, returned=returned) < 300 for r in ROLES)
]


@pytest.mark.parametrize(("action", "state", "returned"), ALLOWED_CASES)
def test_allowed_action(
    world: World, db: Session, clock: FrozenClock, action: str, state: str, returned: bool
) -> None:
    """Each role the table allows takes the action on a ticket of its own: it is offered in
    ``allowed_actions``, answers 200/201, moves to the right state, adds one to the version, and
    writes one timeline event and one outbox message."""
    w = world
    expected = {r: expected_status(action, state, r, returned=returned) for r in ROLES}
    allowed = [r for r in ROLES if expected[r] < 300]
    merge_into = w.submit()["id"] if action == "merge" else None
    # built up front: before any clock jump
    tickets = {role: prepare(w, db, action, state, returned=returned) for role in allowed}
    first = tickets[allowed[0]]

    if action in CONDITIONAL:
        # With the condition met the others are still refused by the guard and not offered it.
        before = snapshot_all(db, first)
        for role in ROLES:
            if role in allowed:
                continue
            visible = bool(relations(role, state, returned=returned))
            check_listing(w, role, first, action, visible=visible, listed=False)
            status = expected[role]
            check_refused(w, db, role, action, first, status, PROBLEM_CODES[status], before=before)
    if action == "decide_extension":
        # an extension that is not this ticket's: not found, nothing changes
        check_refused(
            w, db, allowed[0], action, Built(first.id, extension_id=MISSING_ID), 404, "not_found"
        )
    if action == "judge_return":
        check_refused(
            w, db, allowed[0], action, Built(first.id, return_id=MISSING_ID), 404, "not_found"
        )
    if action == "close":
        # Before the scoring window ends the submitter may still score: not yet.
        for role in allowed:
            check_listing(w, role, tickets[role], action, visible=True, listed=False)
            check_refused(w, db, role, action, tickets[role], 409, "scoring_window_open")
        clock.advance(timedelta(days=30))
        refresh_sessions(w, db)

    for role in allowed:
        check_allowed(w, db, role, action, tickets[role], expected[role], merge_into)

    # Deciding or judging is done once: the second time is refused and changes nothing.
    if action == "decide_extension":
        check_refused(w, db, allowed[0], action, first, 409, "extension_decided")
    if action == "judge_return":
        check_refused(w, db, allowed[0], action, first, 409, "return_judged")


# --- the public code holder ------------------------------------------------------------------


def public_score(client: TestClient, code: str) -> Response:
    return client.post(f"/api/v1/public/tickets/{code}/score", json=SCORE_BODY)


@pytest.mark.parametrize("origin", ["anonymous", "public"])
@pytest.mark.parametrize("state", STATES)
def test_code_holder_column(world: World, db: Session, state: str, origin: str) -> None:
    """The code holder may score once the ticket is revisited; not before, not after. The code
    comes from a fully anonymous college ticket (``tracking_code``) or the public form (``code``).

    A merged ticket's code scores its own ticket once the primary it follows (here: dispatched)
    is revisited, so scoring it is refused until then (see test_merged_submitters_score_their_
    own_tickets for the rest).
    """
    b = build(world, db, state, full=True, public=origin == "public")
    assert b.tracking_code
    client = world.client
    before = snapshot(db, b.id)
    related_before = [snapshot(db, t) for t in b.related]
    assert_problem(public_score(client, "ABCD-EFGH-JKLM-NPQR"), 404, "unknown_tracking_code")
    assert snapshot(db, b.id) == before

    status = expected_status("score", state, CODE_HOLDER)
    code = PROBLEM_CODES.get(status)
    if state == "merged":
        status, code = 409, "root_not_revisited"
    r = public_score(client, b.tracking_code)
    if status >= 300:
        assert code is not None
        assert_problem(r, status, code)
        assert snapshot(db, b.id) == before
        assert [snapshot(db, t) for t in b.related] == related_before
        return
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    after = snapshot(db, b.id)
    assert after["ticket"]["status"] == "closed"
    assert after["ticket"]["scored_via"] == "code"
    assert after["ticket"]["version"] == before["ticket"]["version"] + 1
    added = after["events"][len(before["events"]) :]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in added] == [
        ("score", "revisited", "closed")
    ]
    assert added[0]["actor_id"] is None  # nobody is led back from the timeline
    assert [m["topic"] for m in outbox_since(db, before["outbox"])] == ["ticket.score"]
    # the same code cannot score twice
    assert_problem(public_score(client, b.tracking_code), 409, "invalid_state")


def test_tracking_code_opens_nothing_but_score(world: World, db: Session) -> None:
    """The public channel has no other lifecycle action: each answers 404, nothing changes."""
    b = build(world, db, "accepted", full=True)
    assert b.tracking_code
    before = snapshot(db, b.id)
    for action in ACTIONS:
        if action == "score":
            continue
        path = request_path(action, b)
        r = world.client.post(f"/api/v1/public/tickets/{b.tracking_code}/{path}", json={})
        assert_problem(r, 404, "not_found")
    assert snapshot(db, b.id) == before


def test_merged_submitters_score_their_own_tickets(
    world: World, db: Session, clock: FrozenClock
) -> None:
    """DOMAIN (merge row): each merged ticket's submitter side scores their **own** ticket, once
    the root is revisited and inside the root's scoring window; only the root's own submitter
    side scores and closes the root. Refusals change nothing, on either ticket."""
    primary = build(world, db, "accepted")
    by_code = world.submit(anonymity="full")
    by_colleague = world.submit(role="college_staff2")
    late = world.submit(role="college_other_staff")
    for dup in (by_code, by_colleague, late):
        merge = {"primary_id": primary.id}
        world.ok("committee_staff", "POST", f"/tickets/{dup['id']}/merge", json=merge)
    world.ok("dept_lead_staff", "POST", f"/tickets/{primary.id}/reply", json={"content": "已处理"})

    def refused(call: Callable[[], Response], status: int, code: str, *ids: int) -> None:
        before = [snapshot(db, i) for i in ids]
        assert_problem(call(), status, code)
        assert [snapshot(db, i) for i in ids] == before

    def own_score(ticket_id: int) -> Response:
        return world.call("college_staff2", "POST", f"/tickets/{ticket_id}/score", json=SCORE_BODY)

    colleague = by_colleague["id"]
    refused(
        lambda: public_score(world.client, by_code["tracking_code"]),
        409,
        "root_not_revisited",
        by_code["id"],
        primary.id,
    )
    refused(lambda: own_score(colleague), 409, "root_not_revisited", colleague, primary.id)

    revisit = {"method": "online", "outcome": "resolved"}
    world.ok("committee_staff", "POST", f"/tickets/{primary.id}/revisit", json=revisit)
    # The root is read by the merged submitter, never scored by them.
    assert "score" not in (allowed_actions(world, "college_staff2", primary.id) or ["?"])
    refused(lambda: own_score(primary.id), 403, "action_forbidden", primary.id)
    assert "score" in (allowed_actions(world, "college_staff2", colleague) or [])

    r = own_score(colleague)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    row = snapshot(db, colleague)["ticket"]
    assert (row["status"], row["scored_via"]) == ("closed", "college")
    assert row["reply_department_id"] == world.dept_lead.id  # counts for who answered the root
    assert snapshot(db, primary.id)["ticket"]["status"] == "revisited"

    # The root's own submitter closes the root; the code holder still scores its own ticket,
    # inside the root's scoring window.
    world.ok("college_staff", "POST", f"/tickets/{primary.id}/score", json=SCORE_BODY)
    r = public_score(world.client, by_code["tracking_code"])
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["can_score"]) == ("closed", False)
    assert snapshot(db, by_code["id"])["ticket"]["scored_via"] == "code"
    refused(
        lambda: public_score(world.client, by_code["tracking_code"]),
        409,
        "invalid_state",
        by_code["id"],
    )

    # After the root's window the last one can no longer score; its ticket stays merged.
    clock.advance(timedelta(days=30))
    refresh_sessions(world, db)
    assert "score" not in (allowed_actions(world, "college_other_staff", late["id"]) or ["?"])
    refused(
        lambda: world.call(
            "college_other_staff", "POST", f"/tickets/{late['id']}/score", json=SCORE_BODY
        ),
        409,
        "scoring_window_over",
        late["id"],
        primary.id,
    )
    assert snapshot(db, late["id"])["ticket"]["status"] == "merged"


# --- focused: If-Match, repeats, versions, one event and one outbox row per action -------------


def test_stale_if_match_is_refused_and_current_etag_succeeds(world: World, db: Session) -> None:
    b = build(world, db, "dispatched")
    first = world.call("dept_lead_staff", "GET", f"/tickets/{b.id}")
    stale = first.headers["ETag"]
    assert stale == f'"{first.json()["version"]}"'
    world.ok("committee_staff", "POST", f"/tickets/{b.id}/urge", json={})  # someone else acts

    before = snapshot(db, b.id)
    r = world.call(
        "dept_lead_staff", "POST", f"/tickets/{b.id}/accept", headers={"If-Match": stale}
    )
    assert_problem(r, 412, "stale_version")
    assert r.json()["current_version"] == before["ticket"]["version"]
    assert snapshot(db, b.id) == before

    current = world.call("dept_lead_staff", "GET", f"/tickets/{b.id}").headers["ETag"]
    assert current != stale
    r = world.call(
        "dept_lead_staff", "POST", f"/tickets/{b.id}/accept", headers={"If-Match": current}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted"
    assert r.headers["ETag"] == f'"{before["ticket"]["version"] + 1}"'


def test_guard_answers_before_if_match(world: World, db: Session) -> None:
    """A refused role gets the guard's answer even with a stale ETag."""
    b = build(world, db, "dispatched")
    before = snapshot(db, b.id)
    stale = {"If-Match": '"0"'}
    r = world.call("dept_assist_staff", "POST", f"/tickets/{b.id}/accept", headers=stale)
    assert_problem(r, 403, "action_forbidden")
    r = world.call("dept_other_staff", "POST", f"/tickets/{b.id}/accept", headers=stale)
    assert_problem(r, 404, "not_found")
    assert snapshot(db, b.id) == before


def test_twenty_repeated_accepts_make_one(world: World, db: Session) -> None:
    b = build(world, db, "dispatched")
    before = snapshot(db, b.id)
    answers = [world.call("dept_lead_staff", "POST", f"/tickets/{b.id}/accept") for _ in range(20)]
    assert [r.status_code for r in answers] == [200] + [409] * 19
    for r in answers[1:]:
        assert_problem(r, 409, "invalid_state")
    after = snapshot(db, b.id)
    assert [e["action"] for e in after["events"]].count("accept") == 1
    assert after["ticket"]["version"] == before["ticket"]["version"] + 1
    assert after["outbox"] == before["outbox"] + 1


def _lifecycle(w: World) -> list[tuple[str, str, str, Any]]:
    """(role, action, path, body): a long life that takes every non-terminal action."""
    lead = w["dept_lead_staff"].id
    return [
        ("committee_staff", "urge", "urge", {}),
        ("committee_staff", "dispatch", "dispatch", dispatch_body(w)),
        ("dept_lead_staff", "return", "return", RETURN_BODY),
        ("committee_admin", "judge_return", "returns/{return_id}/judgement", {"reasonable": True}),
        ("committee_staff", "dispatch", "dispatch", dispatch_body(w)),
        ("dept_lead_head", "assign", "assign", {"handler_id": lead}),
        ("dept_lead_staff", "accept", "accept", None),
        ("dept_assist_staff", "note", "notes", {"content": "协办意见：已配合排查。"}),
        ("dept_lead_staff", "request_extension", "extensions", EXTENSION_BODY),
        (
            "committee_staff",
            "decide_extension",
            "extensions/{extension_id}/decision",
            {"approved": True},
        ),
        ("dept_lead_staff", "reply", "reply", {"content": "已更换压缩机。"}),
        ("committee_staff", "revisit", "revisit", {"method": "phone", "outcome": "unresolved"}),
        ("committee_staff", "reopen", "reopen", {"reason": "仍不制冷"}),
        ("dept_lead_staff", "accept", "accept", None),
        ("dept_lead_staff", "reply", "reply", {"content": "已整体更换空调。"}),
        ("committee_staff", "revisit", "revisit", {"method": "visit", "outcome": "resolved"}),
        ("committee_staff", "close", "close", {}),
    ]


def test_every_action_adds_one_version_one_event_one_outbox_row(
    world: World, db: Session, clock: FrozenClock
) -> None:
    db.expire_all()
    outbox_before = db.execute(
        sa.select(sa.func.count()).select_from(table(OutboxMessage))
    ).scalar()
    t = world.submit()
    tid = t["id"]
    assert t["version"] == 1
    created = snapshot(db, tid)
    assert [(e["action"], e["to_status"]) for e in created["events"]] == [("submit", "submitted")]
    assert [m["topic"] for m in outbox_since(db, outbox_before or 0)] == ["ticket.submit"]
    ids: dict[str, int] = {}
    for role, action, path, body in _lifecycle(world):
        if action == "close":
            clock.advance(timedelta(days=30))  # past the scoring window
            refresh_sessions(world, db)
        before = snapshot(db, tid)
        r = world.call(role, "POST", f"/tickets/{tid}/{path.format(**ids)}", json=body)
        assert r.status_code in (200, 201), (action, r.text)
        if action == "return":
            returns = world.ok("committee_staff", "GET", f"/tickets/{tid}/returns")
            ids["return_id"] = returns[0]["id"]
        if action == "request_extension":
            ids["extension_id"] = r.json()["id"]
        after = snapshot(db, tid)
        assert after["ticket"]["version"] == before["ticket"]["version"] + 1, action
        if "version" in r.json():
            assert r.json()["version"] == after["ticket"]["version"]
            assert r.headers["ETag"] == f'"{after["ticket"]["version"]}"'
        added = after["events"][len(before["events"]) :]
        assert [e["action"] for e in added] == [action]
        assert added[0]["to_status"] == after["ticket"]["status"]
        assert added[0]["from_status"] == before["ticket"]["status"]
        messages = outbox_since(db, before["outbox"])
        assert [m["topic"] for m in messages] == [f"ticket.{action}"]
        event = contract.parse(messages[0]["topic"], messages[0]["payload"])
        assert (event.ticket_id, event.details.action) == (tid, action)
    assert after["ticket"]["status"] == "closed"
    assert after["ticket"]["version"] == 1 + len(_lifecycle(world))
    assert after["ticket"]["return_count"] == 1
    assert after["ticket"]["reopen_count"] == 1
    assert after["ticket"]["extension_count"] == 1
    assert after["ticket"]["urge_count"] == 1
