"""Units, users and categories: the organisation the committee administers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.security import hash_password
from backend.auth.service import revoke_user_sessions
from backend.auth.subject import Subject
from backend.errors import Problem, ProblemCode, conflict, invalid, not_found
from backend.models import Category, Unit, User
from backend.models.enums import NotifyEmail, UnitKind
from backend.units.schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryUpdate,
    UnitCreate,
    UnitOut,
    UnitUpdate,
    UserCreate,
    UserOut,
    UserUpdate,
)


def unit_out(unit: Unit) -> UnitOut:
    assert unit.id is not None
    return UnitOut(
        id=unit.id,
        kind=UnitKind(unit.kind),
        name=unit.name,
        code=unit.code,
        is_active=unit.is_active,
    )


def _unique_unit(session: Session, name: str | None, code: str | None, exclude: int | None) -> None:
    conds = []
    if name is not None:
        conds.append(col(Unit.name) == name)
    if code is not None:
        conds.append(col(Unit.code) == code)
    if not conds:
        return
    q = sa.select(col(Unit.id)).where(sa.or_(*conds))
    if exclude is not None:
        q = q.where(col(Unit.id) != exclude)
    if session.execute(q.limit(1)).first():
        raise conflict(ProblemCode.unit_exists, "A unit with this name or code already exists.")


def list_units(session: Session, kind: UnitKind | None, include_inactive: bool) -> list[UnitOut]:
    q = sa.select(Unit).order_by(col(Unit.kind), col(Unit.id))
    if kind is not None:
        q = q.where(col(Unit.kind) == kind.value)
    if not include_inactive:
        q = q.where(col(Unit.is_active).is_(True))
    return [unit_out(u) for u in session.execute(q).scalars()]


def create_unit(session: Session, body: UnitCreate) -> UnitOut:
    _unique_unit(session, body.name, body.code, None)
    if (
        body.kind == UnitKind.committee
        and session.execute(
            sa.select(col(Unit.id)).where(col(Unit.kind) == UnitKind.committee.value).limit(1)
        ).first()
    ):
        raise conflict(ProblemCode.committee_exists, "There is already a committee unit.")
    unit = Unit(kind=body.kind.value, name=body.name, code=body.code)
    session.add(unit)
    session.flush()
    return unit_out(unit)


def update_unit(session: Session, unit_id: int, body: UnitUpdate) -> UnitOut:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise not_found("unit")
    _unique_unit(session, body.name, body.code, unit_id)
    if body.is_active is False and unit.kind == UnitKind.committee:
        raise conflict(ProblemCode.committee_required, "The committee unit cannot be deactivated.")
    for field in ("name", "code", "is_active"):
        value = getattr(body, field)
        if value is not None:
            setattr(unit, field, value)
    session.flush()
    return unit_out(unit)


def _user_out(user: User, unit: Unit) -> UserOut:
    assert user.id is not None
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        is_admin=user.is_admin,
        is_active=user.is_active,
        email=user.email,
        notify_email=NotifyEmail(user.notify_email),
        unit=unit_out(unit),
        created_at=user.created_at,
    )


def list_users(
    session: Session, caller: Subject, unit_id: int | None, q: str | None
) -> list[UserOut]:
    stmt = (
        sa.select(User, Unit).join(Unit, col(Unit.id) == col(User.unit_id)).order_by(col(User.id))
    )
    # Outside the committee, a user sees only the people of their own unit (e.g. to assign).
    if not caller.is_committee:
        stmt = stmt.where(col(User.unit_id) == caller.unit_id)
    if unit_id is not None:
        stmt = stmt.where(col(User.unit_id) == unit_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            sa.or_(col(User.username).ilike(like), col(User.display_name).ilike(like))
        )
    return [_user_out(u, unit) for u, unit in session.execute(stmt.limit(500)).all()]


def _check_admin_flag(unit: Unit, is_admin: bool) -> None:
    if is_admin and unit.kind != UnitKind.committee:
        raise invalid(
            ProblemCode.admin_outside_committee, "Only committee members can be administrators."
        )


def create_user(session: Session, body: UserCreate) -> UserOut:
    unit = session.get(Unit, body.unit_id)
    if unit is None:
        raise invalid(ProblemCode.unknown_unit, "No such unit.")
    _check_admin_flag(unit, body.is_admin)
    if session.execute(
        sa.select(col(User.id)).where(sa.func.lower(col(User.username)) == body.username.lower())
    ).first():
        raise conflict(ProblemCode.username_taken, "This username is already taken.")
    user = User(
        username=body.username,
        display_name=body.display_name,
        password_hash=hash_password(body.password),
        unit_id=body.unit_id,
        role=body.role.value,
        is_admin=body.is_admin,
        email=str(body.email) if body.email else None,
        notify_email=body.notify_email.value,
    )
    session.add(user)
    session.flush()
    return _user_out(user, unit)


def update_user(
    session: Session, caller: Subject, user_id: int, body: UserUpdate, now: datetime
) -> UserOut:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("user")
    if user.id == caller.user_id and (body.is_active is False or body.is_admin is False):
        raise Problem(
            409, ProblemCode.cannot_demote_self, "You cannot deactivate or demote yourself."
        )
    if body.unit_id is not None:
        if session.get(Unit, body.unit_id) is None:
            raise invalid(ProblemCode.unknown_unit, "No such unit.")
        user.unit_id = body.unit_id
    unit = session.get(Unit, user.unit_id)
    assert unit is not None
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.role is not None:
        user.role = body.role.value
    if body.is_admin is not None:
        user.is_admin = body.is_admin
    _check_admin_flag(unit, user.is_admin)
    if "email" in body.model_fields_set:  # an explicit null removes the address
        user.email = str(body.email) if body.email else None
    if body.notify_email is not None:
        user.notify_email = body.notify_email.value
    if body.password is not None:
        user.password_hash = hash_password(body.password)
        revoke_user_sessions(session, user_id, now, "password_reset")
    if body.is_active is not None:
        user.is_active = body.is_active
        if not body.is_active:
            revoke_user_sessions(session, user_id, now, "deactivated")
    if body.unit_id is not None:
        # A moved user must sign in again so no token carries the old unit's scope.
        revoke_user_sessions(session, user_id, now, "moved")
    session.flush()
    return _user_out(user, unit)


def _category_out(c: Category) -> CategoryOut:
    assert c.id is not None
    return CategoryOut(
        id=c.id, name=c.name, default_department_id=c.default_department_id, is_active=c.is_active
    )


def _check_department(session: Session, department_id: int | None) -> None:
    if department_id is None:
        return
    unit = session.get(Unit, department_id)
    if unit is None or unit.kind != UnitKind.department:
        raise invalid(
            ProblemCode.not_a_department, "The default department must be a department unit."
        )


def list_categories(session: Session, include_inactive: bool) -> list[CategoryOut]:
    q = sa.select(Category).order_by(col(Category.id))
    if not include_inactive:
        q = q.where(col(Category.is_active).is_(True))
    return [_category_out(c) for c in session.execute(q).scalars()]


def create_category(session: Session, body: CategoryCreate) -> CategoryOut:
    _check_department(session, body.default_department_id)
    if session.execute(sa.select(col(Category.id)).where(col(Category.name) == body.name)).first():
        raise conflict(ProblemCode.category_exists, "A category with this name already exists.")
    c = Category(name=body.name, default_department_id=body.default_department_id)
    session.add(c)
    session.flush()
    return _category_out(c)


def update_category(session: Session, category_id: int, body: CategoryUpdate) -> CategoryOut:
    c = session.get(Category, category_id)
    if c is None:
        raise not_found("category")
    fields = body.model_dump(exclude_unset=True)
    if "default_department_id" in fields:
        _check_department(session, body.default_department_id)
    if (
        body.name is not None
        and session.execute(
            sa.select(col(Category.id)).where(
                col(Category.name) == body.name, col(Category.id) != category_id
            )
        ).first()
    ):
        raise conflict(ProblemCode.category_exists, "A category with this name already exists.")
    for k, v in fields.items():
        if v is not None or k == "default_department_id":
            setattr(c, k, v)
    session.flush()
    return _category_out(c)
