"""Who is calling: the authenticated user with their unit, as every service sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.security import TokenClaims
from backend.errors import Problem
from backend.models import AuthSession, Unit, User
from backend.models.enums import Role, UnitKind


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    is_admin: bool
    unit_id: int
    unit_kind: str
    unit_name: str
    unit_code: str
    session_id: str

    @property
    def is_committee(self) -> bool:
        return self.unit_kind == UnitKind.committee

    @property
    def is_committee_admin(self) -> bool:
        return self.is_committee and self.is_admin

    @property
    def is_department(self) -> bool:
        return self.unit_kind == UnitKind.department

    @property
    def is_college(self) -> bool:
        return self.unit_kind == UnitKind.college

    @property
    def is_head(self) -> bool:
        return self.role == Role.head


def unauthenticated(detail: str = "Authentication required.") -> Problem:
    return Problem(401, "not_authenticated", detail, headers={"WWW-Authenticate": "Bearer"})


# Runs on every authenticated request: columns only, no ORM entities to build.
_PRINCIPAL_QUERY = (
    sa.select(
        col(User.id),
        col(User.username),
        col(User.display_name),
        col(User.role),
        col(User.is_admin),
        col(User.is_active),
        col(Unit.id),
        col(Unit.kind),
        col(Unit.name),
        col(Unit.code),
        col(Unit.is_active),
        col(AuthSession.revoked_at),
        col(AuthSession.expires_at),
    )
    .join(Unit, col(Unit.id) == col(User.unit_id))
    .join(AuthSession, col(AuthSession.user_id) == col(User.id))
    .where(col(User.id) == sa.bindparam("sub"), col(AuthSession.id) == sa.bindparam("sid"))
)


def load_principal(session: Session, claims: TokenClaims, now: datetime) -> Principal:
    """The user behind verified claims, refused when the session, user or unit is not live."""
    row = session.execute(_PRINCIPAL_QUERY, {"sub": claims.sub, "sid": claims.sid}).one_or_none()
    if row is None:
        raise unauthenticated("The access token is not valid.")
    (
        uid,
        username,
        display_name,
        role,
        is_admin,
        active,
        unit_id,
        kind,
        name,
        code,
        unit_active,
        revoked_at,
        expires_at,
    ) = row
    if revoked_at is not None or expires_at <= now:
        raise unauthenticated("The session has ended; sign in again.")
    if not active or not unit_active:
        raise unauthenticated("The account is disabled.")
    assert uid is not None
    assert unit_id is not None
    return Principal(
        user_id=uid,
        username=username,
        display_name=display_name,
        role=role,
        is_admin=is_admin,
        unit_id=unit_id,
        unit_kind=kind,
        unit_name=name,
        unit_code=code,
        session_id=claims.sid,
    )
