"""Request-scoped dependencies: settings, the one transaction, the clock, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.principal import Principal
from backend.auth.security import InvalidToken, decode_token
from backend.config import Settings
from backend.core.clock import get_clock
from backend.errors import Problem
from backend.models import AuthSession, Unit, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    session: Session = request.app.state.session_factory(write=request.method not in SAFE_METHODS)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_now() -> datetime:
    return get_clock().now()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
# scope="function": commit before the response is sent, so a failed commit is an error response.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
Now = Annotated[datetime, Depends(get_now)]


def _unauthenticated(detail: str = "Authentication required.") -> Problem:
    return Problem(401, "not_authenticated", detail, headers={"WWW-Authenticate": "Bearer"})


def get_principal(
    session: DbSession,
    settings: SettingsDep,
    now: Now,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    if not token:
        raise _unauthenticated()
    try:
        claims = decode_token(settings, token, "access", now)
    except InvalidToken as exc:
        raise _unauthenticated("The access token is not valid.") from exc
    row = session.execute(
        sa.select(User, Unit, col(AuthSession.revoked_at), col(AuthSession.expires_at))
        .join(Unit, col(Unit.id) == col(User.unit_id))
        .join(AuthSession, col(AuthSession.user_id) == col(User.id))
        .where(col(User.id) == claims.sub, col(AuthSession.id) == claims.sid)
    ).one_or_none()
    if row is None:
        raise _unauthenticated("The access token is not valid.")
    user, unit, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= now:
        raise _unauthenticated("The session has ended; sign in again.")
    if not user.is_active or not unit.is_active:
        raise _unauthenticated("The account is disabled.")
    assert user.id is not None
    assert unit.id is not None
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        is_admin=user.is_admin,
        unit_id=unit.id,
        unit_kind=unit.kind,
        unit_name=unit.name,
        unit_code=unit.code,
        session_id=claims.sid,
    )


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_committee_admin(principal: CurrentUser) -> Principal:
    if not principal.is_committee_admin:
        raise Problem(403, "admin_required", "Only committee administrators may do this.")
    return principal


CommitteeAdmin = Annotated[Principal, Depends(require_committee_admin)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
