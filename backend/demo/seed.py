"""The demo university and bulk ticket generation (demo data and benchmarks).

Tickets are generated straight into the tables with executemany, state by state, each with a
consistent history (departments, deadlines, reply, revisit, score and timeline events), so that
100,000 of them load in seconds rather than replaying every action through the API.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.security import hash_password, verify_password
from backend.calendar.service import load_calendar
from backend.config import Settings
from backend.demo import content
from backend.models import Category, Ticket, TicketDepartment, TicketEvent, Unit, User, table
from backend.models.enums import Role, Status, UnitKind
from backend.models.types import UTCDateTime
from backend.tickets import sla, views

DEMO_PASSWORD = "huiyin2026"
COMMITTEE_NAME = "机关党委"
COMMITTEE_CODE = "COMMITTEE"

STATE_WEIGHTS: dict[Status, int] = {
    Status.submitted: 10,
    Status.dispatched: 10,
    Status.accepted: 15,
    Status.replied: 8,
    Status.revisited: 7,
    Status.closed: 35,
    Status.rejected: 5,
    Status.withdrawn: 4,
    Status.merged: 6,
}


def bootstrap(session: Session, username: str, password: str, display_name: str) -> bool:
    """Create the committee unit and its first admin. Idempotent; True when something was made."""
    made = False
    committee = session.execute(
        sa.select(Unit).where(col(Unit.kind) == UnitKind.committee.value)
    ).scalar_one_or_none()
    if committee is None:
        committee = Unit(kind=UnitKind.committee.value, name=COMMITTEE_NAME, code=COMMITTEE_CODE)
        session.add(committee)
        session.flush()
        made = True
    existing = session.execute(
        sa.select(User).where(col(User.username) == username)
    ).scalar_one_or_none()
    if existing is None:
        assert committee.id is not None
        session.add(
            User(
                username=username,
                display_name=display_name,
                password_hash=hash_password(password),
                unit_id=committee.id,
                role=Role.head.value,
                is_admin=True,
            )
        )
        session.flush()
        made = True
    return made


@dataclass
class DemoAccount:
    username: str
    display_name: str
    unit: str
    role: str
    is_admin: bool


def is_empty(session: Session) -> bool:
    return session.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar_one() == 0 and (
        session.execute(
            sa.select(sa.func.count())
            .select_from(Unit)
            .where(col(Unit.kind) != UnitKind.committee.value)
        ).scalar_one()
        == 0
    )


def demo_accounts(session: Session) -> list[DemoAccount]:
    """The demo accounts that still exist with the demo password (checked on one of them)."""
    rows = session.execute(
        sa.select(User, Unit)
        .join(Unit, col(Unit.id) == col(User.unit_id))
        .where(col(User.email).like("%@example.edu.cn"), col(User.is_active).is_(True))
        .order_by(col(Unit.id), col(User.role))
    ).all()
    if not rows or not verify_password(DEMO_PASSWORD, rows[0][0].password_hash):
        return []
    return [
        DemoAccount(u.username, u.display_name, unit.name, u.role, u.is_admin) for u, unit in rows
    ]


def seed_organisation(session: Session) -> list[DemoAccount]:
    """Committee, departments, colleges, a head and a staff user in each, categories."""
    pw = hash_password(DEMO_PASSWORD)  # one hash for every demo account: seeding stays fast
    accounts: list[DemoAccount] = []
    names = iter(content.PERSON_NAMES)
    committee = session.execute(
        sa.select(Unit).where(col(Unit.kind) == UnitKind.committee.value)
    ).scalar_one_or_none()
    if committee is None:
        committee = Unit(kind=UnitKind.committee.value, name=COMMITTEE_NAME, code=COMMITTEE_CODE)
        session.add(committee)
    units: list[tuple[Unit, str]] = [(committee, "committee")]
    for code, name in content.DEPARTMENTS:
        units.append((Unit(kind=UnitKind.department.value, name=name, code=code), code.lower()))
    for code, name in content.COLLEGES:
        units.append((Unit(kind=UnitKind.college.value, name=name, code=code), code.lower()))
    for unit, _ in units:
        session.add(unit)
    session.flush()
    for unit, prefix in units:
        assert unit.id is not None
        for role in (Role.head, Role.staff):
            username = (
                "admin"
                if unit.kind == UnitKind.committee and role == Role.head
                else (f"{prefix}_{role.value}")
            )
            if session.execute(
                sa.select(col(User.id)).where(col(User.username) == username)
            ).first():
                continue
            display = next(names)
            is_admin = unit.kind == UnitKind.committee and role == Role.head
            session.add(
                User(
                    username=username,
                    display_name=display,
                    password_hash=pw,
                    unit_id=unit.id,
                    role=role.value,
                    is_admin=is_admin,
                    email=f"{username}@example.edu.cn",
                )
            )
            accounts.append(DemoAccount(username, display, unit.name, role.value, is_admin))
    dept_ids = {u.code: u.id for u, _ in units if u.kind == UnitKind.department}
    for cat_name, dept_code in content.CATEGORIES:
        session.add(Category(name=cat_name, default_department_id=dept_ids[dept_code]))
    session.flush()
    return accounts


@dataclass
class _World:
    committee_user: int
    departments: list[tuple[int, str, list[int]]]  # (unit id, code, user ids)
    colleges: list[tuple[int, list[int]]]  # (unit id, user ids)
    categories: list[tuple[int, int]]  # (category id, department id)


def _world(session: Session) -> _World:
    users_by_unit: dict[int, list[int]] = {}
    for uid, unit_id in session.execute(
        sa.select(col(User.id), col(User.unit_id)).order_by(col(User.id))
    ):
        if uid is not None:
            users_by_unit.setdefault(unit_id, []).append(uid)
    committee_user = None
    departments, colleges = [], []
    for unit in session.execute(sa.select(Unit).order_by(col(Unit.id))).scalars():
        assert unit.id is not None
        members = users_by_unit.get(unit.id, [])
        if unit.kind == UnitKind.committee and members:
            committee_user = members[0]
        elif unit.kind == UnitKind.department and members:
            departments.append((unit.id, unit.code, members))
        elif unit.kind == UnitKind.college and members:
            colleges.append((unit.id, members))
    cats = [
        (c.id, c.default_department_id)
        for c in session.execute(sa.select(Category)).scalars()
        if c.id is not None and c.default_department_id is not None
    ]
    if committee_user is None or not departments or not colleges:
        raise RuntimeError("seed the organisation first (huiyin seed-demo)")
    return _World(committee_user, departments, colleges, cats)


def generate_tickets(
    session: Session,
    settings: Settings,
    n: int,
    now: datetime,
    seed: int = 2026,
    chunk: int = 5000,
) -> int:
    """Insert ``n`` tickets spread over every state, with consistent histories."""
    rng = random.Random(seed)
    if session.get_bind().dialect.name == "sqlite":
        # Index upkeep for 100,000 rows thrashes SQLite's default 2 MB page cache.
        session.execute(sa.text("PRAGMA cache_size=-262144"))
    world = _world(session)
    # The committee's calendar and office hours: every deadline ends inside office hours.
    cal = load_calendar(session, settings)
    dept_by_id = {d[0]: d for d in world.departments}
    start_id = (session.execute(sa.select(sa.func.max(col(Ticket.id)))).scalar_one() or 0) + 1
    states = list(STATE_WEIGHTS)
    weights = list(STATE_WEIGHTS.values())
    tickets: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    open_ids: list[int] = []
    made = 0
    tz_year = now.astimezone(cal.tz).year

    def flush() -> None:
        bulk_insert(session, table(Ticket), tickets)
        bulk_insert(session, table(TicketDepartment), links)
        bulk_insert(session, table(TicketEvent), events)
        tickets.clear()
        links.clear()
        events.clear()

    for i in range(n):
        tid = start_id + i
        status = rng.choices(states, weights)[0]
        if status == Status.merged and not open_ids:
            status = Status.rejected
        college_id, college_users = rng.choice(world.colleges)
        if world.categories and rng.random() < 0.9:
            category_id, dept_id = rng.choice(world.categories)
        else:
            category_id, dept_id = None, rng.choice(world.departments)[0]
        _, dept_code, dept_users = dept_by_id.get(dept_id, world.departments[0])
        title, body = content.topic_for(dept_code, rng.randrange(1000))
        anonymity = rng.choices(["named", "department", "full"], [20, 70, 10])[0]
        submitter = None if anonymity == "full" else college_users[-1]
        urgency = rng.choices(["normal", "urgent", "complex"], [80, 10, 10])[0]
        in_progress = status in (Status.submitted, Status.dispatched, Status.accepted)
        age = timedelta(
            hours=rng.uniform(1, 24 * 8) if in_progress else rng.uniform(24 * 10, 24 * 300)
        )
        t0 = now - age
        row: dict[str, Any] = {
            "id": tid,
            "code": f"HY-{tz_year}-{tid:06d}",
            "title": title,
            "content": body,
            "status": status.value,
            "urgency": urgency,
            "anonymity": anonymity,
            "channel": rng.choices(["web", "mailbox", "visit", "hotline"], [85, 7, 5, 3])[0],
            "category_id": category_id,
            "college_id": college_id,
            "submitter_id": submitter,
            "recorded_by_id": None,
            "contact": None,
            "tracking_code_hash": None,
            "lead_department_id": None,
            "handler_id": None,
            "due_at": None,
            "dispatch_due_at": cal.add_working_days(t0, sla.DISPATCH_DAYS),
            "accept_due_at": None,
            "reply_due_at": None,
            "revisit_due_at": None,
            "score_due_at": None,
            "dispatched_at": None,
            "accepted_at": None,
            "replied_at": None,
            "revisited_at": None,
            "closed_at": None,
            "reply_content": None,
            "reply_department_id": None,
            "revisit_method": None,
            "revisit_outcome": None,
            "revisit_note": None,
            "reject_reason": None,
            "close_note": None,
            "merged_into_id": None,
            "merge_root_id": None,
            "score_efficiency": None,
            "score_handling": None,
            "score_effect": None,
            "score_overall": None,
            "score_comment": None,
            "scored_at": None,
            "scored_via": None,
            "return_count": 0,
            "reopen_count": 0,
            "extension_count": 0,
            "urge_count": 0,
            "created_at": t0,
            "updated_at": t0,
            "version": 1,
        }

        def event(
            action: str,
            at: datetime,
            frm: str | None,
            to: str,
            actor: int | None,
            unit: int | None,
            note: str | None = None,
            by_submitter: bool = False,
            data: dict[str, Any] | None = None,
            tid: int = tid,
            row: dict[str, Any] = row,
        ) -> None:
            events.append(
                {
                    "ticket_id": tid,
                    "action": action,
                    "from_status": frm,
                    "to_status": to,
                    "actor_id": actor,
                    "actor_unit_id": unit,
                    "by_submitter": by_submitter,
                    "internal": False,
                    "note": note,
                    "data": data,
                    "created_at": at,
                }
            )
            row["updated_at"] = at
            row["version"] += 1

        events.append(
            {
                "ticket_id": tid,
                "action": "submit",
                "from_status": None,
                "to_status": "submitted",
                "actor_id": submitter,
                "actor_unit_id": college_id,
                "by_submitter": True,
                "internal": False,
                "note": None,
                "data": {"channel": row["channel"]},
                "created_at": t0,
            }
        )
        t = t0
        if status == Status.rejected:
            t += timedelta(hours=rng.uniform(1, 20))
            reason = content.pick(content.REJECT_REASONS, i)
            row.update(reject_reason=reason, closed_at=t)
            event("reject", t, "submitted", "rejected", world.committee_user, None, reason)
        elif status == Status.withdrawn:
            t += timedelta(hours=rng.uniform(0.2, 6))
            row.update(closed_at=t)
            event("withdraw", t, "submitted", "withdrawn", submitter, college_id, None, True)
        elif status == Status.merged:
            primary = rng.choice(open_ids)
            t += timedelta(hours=rng.uniform(1, 12))
            # open_ids holds no merged ticket: the primary is its own merge root
            row.update(merged_into_id=primary, merge_root_id=primary, closed_at=t)
            event(
                "merge",
                t,
                "submitted",
                "merged",
                world.committee_user,
                None,
                data={"primary_id": primary},
            )
        elif status != Status.submitted:
            t += timedelta(hours=rng.uniform(0.5, 8))
            reply_days = sla.REPLY_DAYS[urgency]
            row.update(
                lead_department_id=dept_id,
                dispatched_at=t,
                accept_due_at=cal.add_working_days(t, sla.ACCEPT_DAYS),
                reply_due_at=cal.add_working_days(t, reply_days),
            )
            links.append(
                {
                    "ticket_id": tid,
                    "department_id": dept_id,
                    "role": "lead",
                    "active": True,
                    "created_at": t,
                }
            )
            if rng.random() < 0.15 and len(world.departments) > 1:
                other = rng.choice([d for d in world.departments if d[0] != dept_id])[0]
                links.append(
                    {
                        "ticket_id": tid,
                        "department_id": other,
                        "role": "assist",
                        "active": True,
                        "created_at": t,
                    }
                )
            event(
                "dispatch",
                t,
                "submitted",
                "dispatched",
                world.committee_user,
                None,
                data={"lead_department_id": dept_id},
            )
            if status != Status.closed:
                open_ids.append(tid)
            if status != Status.dispatched:
                t += timedelta(hours=rng.uniform(0.5, 20))
                handler = dept_users[-1]
                row.update(accepted_at=t, handler_id=handler)
                event("accept", t, "dispatched", "accepted", handler, dept_id)
                if rng.random() < 0.4:
                    t += timedelta(hours=rng.uniform(1, 30))
                    event(
                        "note",
                        t,
                        "accepted",
                        "accepted",
                        handler,
                        dept_id,
                        content.pick(content.PROGRESS_NOTES, i),
                    )
            if status in (Status.replied, Status.revisited, Status.closed):
                t += timedelta(hours=rng.uniform(4, 24 * 6))
                handler = dept_users[-1]
                row.update(
                    reply_content=content.pick(content.REPLIES[dept_code], i),
                    replied_at=t,
                    reply_department_id=dept_id,
                    revisit_due_at=cal.add_working_days(t, sla.REVISIT_DAYS),
                )
                event(
                    "reply",
                    t,
                    "accepted",
                    "replied",
                    handler,
                    dept_id,
                    data={"on_time": t <= row["reply_due_at"]},
                )
            if status in (Status.revisited, Status.closed):
                t += timedelta(hours=rng.uniform(2, 40))
                outcome = rng.choices(["resolved", "partly", "unresolved"], [75, 18, 7])[0]
                note = content.pick(content.REVISIT_NOTES[outcome], i)
                row.update(
                    revisit_method=rng.choice(["phone", "visit", "online", "self_confirmed"]),
                    revisit_outcome=outcome,
                    revisit_note=note,
                    revisited_at=t,
                    score_due_at=cal.add_working_days(t, sla.SCORE_DAYS),
                )
                event(
                    "revisit",
                    t,
                    "replied",
                    "revisited",
                    world.committee_user,
                    None,
                    note,
                    data={"outcome": outcome},
                )
            if status == Status.closed:
                if rng.random() < 0.88:
                    t += timedelta(hours=rng.uniform(1, 72))
                    base = {"resolved": 5, "partly": 3, "unresolved": 2}[row["revisit_outcome"]]
                    scores = [max(1, min(5, base + rng.choice([-1, 0, 0, 0, 1]))) for _ in "abc"]
                    overall = int((sum(scores) / 3) + 0.5)
                    comment = content.pick(content.SCORE_COMMENTS[overall], i)
                    row.update(
                        score_efficiency=scores[0],
                        score_handling=scores[1],
                        score_effect=scores[2],
                        score_overall=overall,
                        score_comment=comment,
                        scored_at=t,
                        scored_via="college",
                        closed_at=t,
                    )
                    event(
                        "score",
                        t,
                        "revisited",
                        "closed",
                        submitter,
                        college_id,
                        comment,
                        True,
                        {"overall": overall},
                    )
                else:
                    t = max(t, row["score_due_at"])
                    row.update(closed_at=t)
                    event(
                        "close",
                        t,
                        "revisited",
                        "closed",
                        world.committee_user,
                        None,
                        data={"unscored": True},
                    )
        row["due_at"] = views.due_for(row["status"], row)
        tickets.append(row)
        made += 1
        if len(tickets) >= chunk:
            flush()
    flush()
    _bump_sequences(session)
    return made


def bulk_insert(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """executemany straight to the driver: SQLAlchemy's per-value type processing would cost
    more than the database itself for 100,000 rows. Values are converted here the way the
    column types would convert them (UTC timestamps, JSON text)."""
    if not rows:
        return
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    quote = conn.dialect.identifier_preparer.quote
    cols = list(rows[0])
    mark = "?" if sqlite else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in cols)}) "
        f"VALUES ({', '.join([mark] * len(cols))})"
    )

    def ts(v: datetime | None) -> Any:
        if v is None:
            return None
        v = v.astimezone(UTC)
        return v.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else v

    def js(v: dict[str, Any] | None) -> Any:
        return None if v is None else orjson.dumps(v).decode()

    convs: list[Any] = []
    for c in cols:
        ctype = table.c[c].type
        convs.append(
            ts if isinstance(ctype, UTCDateTime) else js if isinstance(ctype, sa.JSON) else None
        )
    conv_at = [(i, f) for i, f in enumerate(convs) if f is not None]
    params = []
    for r in rows:
        values = [r[c] for c in cols]
        for i, f in conv_at:
            values[i] = f(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


def _bump_sequences(session: Session) -> None:
    """Explicit ids bypass PostgreSQL's sequences; move them past the rows we wrote."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in ("tickets", "ticket_events"):
        session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 1))"
            )
        )
