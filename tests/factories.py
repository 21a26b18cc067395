"""Small helpers that make test data, and a world with one user per role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.auth.security import decode_token, hash_password, issue_token
from backend.auth.subject import Subject, load_user
from backend.calendar.workdays import DEFAULT_TZ
from backend.config import Settings
from backend.core.clock import get_clock
from backend.models import AuthSession, CalendarDay, Category, OfficeHoursSetting, Unit, User
from backend.models.enums import Role, UnitKind

PASSWORD = "correct-horse-battery"


@lru_cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


def _suffix() -> str:
    return uuid.uuid4().hex[:8]


def create_unit(db: Session, kind: UnitKind | str, name: str | None = None) -> Unit:
    kind = UnitKind(kind)
    s = _suffix()
    unit = Unit(kind=kind.value, name=name or f"{kind.value}-{s}", code=f"{kind.value[:3]}{s}")
    db.add(unit)
    db.flush()
    return unit


def office_always_open(db: Session, tz: str = DEFAULT_TZ) -> None:
    """Office hours from 00:00 to the last microsecond of the day, and yesterday, today and
    tomorrow working days: a test whose workers run on the wall clock delivers mail at once
    whenever it runs (mail waits for office hours otherwise)."""
    now = get_clock().now()
    db.add(OfficeHoursSetting(opens=time(0), closes=time.max, updated_at=now))
    today = now.astimezone(ZoneInfo(tz)).date()
    for offset in (-1, 0, 1):
        db.merge(CalendarDay(day=today + timedelta(days=offset), is_workday=True, updated_at=now))
    db.flush()


def committee_unit(db: Session) -> Unit:
    import sqlalchemy as sa

    unit = db.execute(sa.select(Unit).where(Unit.kind == "committee")).scalar_one_or_none()
    return unit or create_unit(db, UnitKind.committee, "机关党委")


def create_user(
    db: Session,
    unit: Unit,
    role: Role | str = Role.staff,
    is_admin: bool = False,
    username: str | None = None,
    **fields: Any,
) -> User:
    s = _suffix()
    user = User(
        username=username or f"u{s}",
        display_name=fields.pop("display_name", f"用户{s}"),
        password_hash=_password_hash(),
        unit_id=unit.id,  # type: ignore[arg-type]
        role=Role(role).value,
        is_admin=is_admin,
        **fields,
    )
    db.add(user)
    db.flush()
    return user


def create_category(db: Session, department: Unit | None = None) -> Category:
    c = Category(
        name=f"类别{_suffix()}", default_department_id=department.id if department else None
    )
    db.add(c)
    db.flush()
    return c


def headers_for(db: Session, settings: Settings, user: User) -> dict[str, str]:
    """A signed-in user's headers, without paying for argon2 on every test."""
    now = get_clock().now()
    sid = str(uuid.uuid4())
    db.add(AuthSession(id=sid, user_id=user.id, created_at=now, expires_at=now + timedelta(days=1)))  # type: ignore[arg-type]
    db.flush()
    token, _, _ = issue_token(
        settings,
        user_id=user.id,
        session_id=sid,
        typ="access",
        now=now,  # type: ignore[arg-type]
        lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Actor:
    user: User
    headers: dict[str, str]

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id


@dataclass
class World:
    """One of everything: the roles of the transition table."""

    db: Session
    settings: Settings
    client: TestClient
    committee: Unit
    dept_lead: Unit
    dept_assist: Unit
    dept_other: Unit
    college: Unit
    college_other: Unit
    category: Category
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Actor:
        return self.actors[role]

    # --- driving tickets through the API ---------------------------------------------------

    def call(self, role: str, method: str, path: str, **kw: Any) -> Any:
        headers = {**self.actors[role].headers, **kw.pop("headers", {})}
        return self.client.request(method, "/api/v1" + path, headers=headers, **kw)

    def ok(self, role: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        r = self.call(role, method, path, **kw)
        assert r.status_code in (200, 201), (r.status_code, r.text)
        return r.json()  # type: ignore[no-any-return]

    def subject(self, role: str) -> Subject:
        """The acting subject behind ``role``'s token, loaded as a request loads it."""
        token = self.actors[role].headers["Authorization"].removeprefix("Bearer ")
        now = get_clock().now()
        return load_user(self.db, decode_token(self.settings, token, "access", now), now)

    def submit(self, role: str = "college_staff", **body: Any) -> dict[str, Any]:
        payload = {"title": "图书馆空调不制冷", "content": "三楼自习室空调一周没有制冷，影响学习。"}
        payload.update(body)
        return self.ok(role, "POST", "/tickets", json=payload)

    def ticket_in(self, status: str, **submit: Any) -> dict[str, Any]:
        """A ticket brought to ``status`` the way users would bring it there."""
        t = self.submit(**submit)
        tid = t["id"]
        if status == "submitted":
            return t
        if status == "rejected":
            return self.ok(
                "committee_staff",
                "POST",
                f"/tickets/{tid}/reject",
                json={"reason": "不属于受理范围"},
            )
        if status == "withdrawn":
            return self.ok("college_staff", "POST", f"/tickets/{tid}/withdraw")
        if status == "merged":
            primary = self.ticket_in("dispatched")
            return self.ok(
                "committee_staff",
                "POST",
                f"/tickets/{tid}/merge",
                json={"primary_id": primary["id"]},
            )
        t = self.ok(
            "committee_staff",
            "POST",
            f"/tickets/{tid}/dispatch",
            json={
                "lead_department_id": self.dept_lead.id,
                "assisting_department_ids": [self.dept_assist.id],
            },
        )
        if status == "dispatched":
            return t
        t = self.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
        if status == "accepted":
            return t
        t = self.ok(
            "dept_lead_staff",
            "POST",
            f"/tickets/{tid}/reply",
            json={"content": "已更换压缩机，空调恢复制冷。"},
        )
        if status == "replied":
            return t
        t = self.ok(
            "committee_staff",
            "POST",
            f"/tickets/{tid}/revisit",
            json={"method": "phone", "outcome": "resolved"},
        )
        if status == "revisited":
            return t
        assert status == "closed", status
        return self.ok(
            "college_staff",
            "POST",
            f"/tickets/{tid}/score",
            json={"efficiency": 5, "handling": 4, "effect": 5},
        )


ROLES = (
    "committee_admin",
    "committee_staff",
    "dept_lead_head",
    "dept_lead_staff",
    "dept_assist_staff",
    "dept_other_staff",
    "college_head",
    "college_staff",  # the submitter in World.submit
    "college_staff2",  # same college, not the submitter
    "college_other_head",
    "college_other_staff",
)


def build_world(db: Session, settings: Settings, client: TestClient) -> World:
    committee = committee_unit(db)
    w = World(
        db=db,
        settings=settings,
        client=client,
        committee=committee,
        dept_lead=create_unit(db, UnitKind.department),
        dept_assist=create_unit(db, UnitKind.department),
        dept_other=create_unit(db, UnitKind.department),
        college=create_unit(db, UnitKind.college),
        college_other=create_unit(db, UnitKind.college),
        category=None,  # type: ignore[arg-type]
    )
    w.category = create_category(db, w.dept_lead)
    spec = {
        "committee_admin": (committee, Role.head, True),
        "committee_staff": (committee, Role.staff, False),
        "dept_lead_head": (w.dept_lead, Role.head, False),
        "dept_lead_staff": (w.dept_lead, Role.staff, False),
        "dept_assist_staff": (w.dept_assist, Role.staff, False),
        "dept_other_staff": (w.dept_other, Role.staff, False),
        "college_head": (w.college, Role.head, False),
        "college_staff": (w.college, Role.staff, False),
        "college_staff2": (w.college, Role.staff, False),
        "college_other_head": (w.college_other, Role.head, False),
        "college_other_staff": (w.college_other, Role.staff, False),
    }
    for role, (unit, r, admin) in spec.items():
        user = create_user(db, unit, r, admin)
        w.actors[role] = Actor(user, headers_for(db, settings, user))
    db.commit()  # releases the savepoint; the outer test transaction still rolls back
    return w
