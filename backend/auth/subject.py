"""Who is acting: the subject every permission check takes.

A subject is either a signed-in **user** or a **service client** (the campus OA system, scripted
data sync; the integrations issue adds their tokens). Both have scopes, and a unit where they
act for one. A user holds every scope their role implies, so users keep exactly the rights
they had; a service holds the scopes it was granted. A service bound to a unit acts for the
whole unit, as its head would (a college's service sees what the college head sees).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.security import TokenClaims
from backend.errors import Problem, ProblemCode, forbidden
from backend.models import AuthSession, Unit, User
from backend.models.enums import Role, UnitKind


class SubjectKind(StrEnum):
    user = "user"
    service = "service"


class Scope(StrEnum):
    tickets_read = "tickets:read"  # tickets in scope, their timeline, attachments, orders
    tickets_write = "tickets:write"  # raise tickets, take lifecycle and supervision actions
    sync_read = "sync:read"  # the change feed and exports (integrations)
    import_write = "import:write"  # bulk import (integrations)
    admin = "admin"  # units, users, categories, calendar, SLA policies


# What each user's role implies: every user reads and acts on tickets in their scope; committee
# administrators administer (and hold the integration scopes, which no endpoint uses yet).
USER_SCOPES = frozenset({Scope.tickets_read, Scope.tickets_write})
ADMIN_SCOPES = frozenset(Scope)


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    scopes: frozenset[Scope]
    unit_id: int | None
    unit_kind: str | None
    unit_name: str | None = None
    unit_code: str | None = None
    # A user's own fields (None for a service).
    user_id: int | None = None
    username: str | None = None
    display_name: str | None = None
    role: str | None = None
    is_admin: bool = False
    session_id: str | None = None
    # A service client's id (None for a user).
    client_id: str | None = None

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.scopes

    @property
    def is_user(self) -> bool:
        return self.kind == SubjectKind.user

    @property
    def key(self) -> str:
        """Stable and unique among subjects (e.g. for idempotency slots)."""
        return f"user:{self.user_id}" if self.is_user else f"service:{self.client_id}"

    @property
    def is_committee(self) -> bool:
        return self.unit_kind == UnitKind.committee

    @property
    def is_committee_admin(self) -> bool:
        return self.is_committee and self.is_admin and self.has_scope(Scope.admin)

    @property
    def is_department(self) -> bool:
        return self.unit_kind == UnitKind.department

    @property
    def is_college(self) -> bool:
        return self.unit_kind == UnitKind.college

    @property
    def is_head(self) -> bool:
        if self.is_user:
            return self.role == Role.head
        return self.unit_id is not None  # a service acts for its whole unit

    def person(self) -> int:
        """The user's id, for what a person must do (an inbox, a signature on a record);
        refused for a service client."""
        if self.user_id is None:
            raise forbidden("Only a signed-in person may do this.", ProblemCode.person_required)
        return self.user_id

    def require(self, scope: Scope) -> None:
        if not self.has_scope(scope):
            raise forbidden(f"This needs the scope {scope.value}.", ProblemCode.scope_required)


def service_subject(client_id: str, scopes: frozenset[Scope], unit: Unit | None = None) -> Subject:
    """A service client's subject (its token and table come with the integrations issue)."""
    return Subject(
        kind=SubjectKind.service,
        scopes=scopes,
        unit_id=unit.id if unit else None,
        unit_kind=unit.kind if unit else None,
        unit_name=unit.name if unit else None,
        unit_code=unit.code if unit else None,
        client_id=client_id,
    )


def unauthenticated(detail: str = "Authentication required.") -> Problem:
    return Problem(
        401, ProblemCode.not_authenticated, detail, headers={"WWW-Authenticate": "Bearer"}
    )


# Runs on every authenticated request: columns only, no ORM entities to build.
_USER_QUERY = (
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


def load_user(session: Session, claims: TokenClaims, now: datetime) -> Subject:
    """The user behind verified claims, refused when the session, user or unit is not live."""
    row = session.execute(_USER_QUERY, {"sub": claims.sub, "sid": claims.sid}).one_or_none()
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
    return Subject(
        kind=SubjectKind.user,
        scopes=ADMIN_SCOPES if is_admin and kind == UnitKind.committee else USER_SCOPES,
        unit_id=unit_id,
        unit_kind=kind,
        unit_name=name,
        unit_code=code,
        user_id=uid,
        username=username,
        display_name=display_name,
        role=role,
        is_admin=is_admin,
        session_id=claims.sid,
    )
