"""Request-scoped dependencies: settings, the one transaction, the clock, the caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from backend.auth.principal import Principal
from backend.auth.security import InvalidToken, decode_token
from backend.config import Settings
from backend.core.clock import get_clock
from backend.errors import Problem
from backend.models import AuthSession, Unit, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


class DbGate:
    """Admission to the database, decided in the event loop before any thread is used.

    Without it, more concurrent requests than pooled connections fill the thread pool with
    threads waiting for a connection (or, on SQLite, for the write lock) while the requests that
    hold one wait for a free thread to finish: a stall until the pool times out. Here at most
    pool-size requests hold a connection, and on SQLite one write at a time per process
    queues for the lock; the rest wait in the event loop, costing nothing.
    """

    def __init__(self, settings: Settings) -> None:
        self.slots = asyncio.Semaphore(settings.db_pool_size + settings.db_max_overflow)
        self.writer = asyncio.Lock() if settings.is_sqlite else None
        self.timeout = settings.db_pool_timeout

    @asynccontextmanager
    async def admit(self, write: bool) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self.timeout):
                if write and self.writer is not None:
                    await self.writer.acquire()
                try:
                    await self.slots.acquire()
                except BaseException:
                    if write and self.writer is not None:
                        self.writer.release()
                    raise
        except TimeoutError as exc:
            raise Problem(
                503, "busy", "The server is busy; retry shortly.", headers={"Retry-After": "1"}
            ) from exc
        try:
            yield
        finally:
            self.slots.release()
            if write and self.writer is not None:
                self.writer.release()


# Cheap dependencies are async: a sync one would cost a hop to the thread pool per request.
async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    Writes open (SQLite: BEGIN IMMEDIATE may wait for the lock) and commit in the thread pool;
    a read session connects lazily inside the handler's thread and only closes here.
    """
    factory = request.app.state.session_factory
    write = request.method not in SAFE_METHODS
    gate: DbGate = request.app.state.db_gate
    async with gate.admit(write):
        session: Session = (
            await run_in_threadpool(factory, write=True) if write else factory(write=False)
        )
        try:
            yield session
            if write:
                await run_in_threadpool(session.commit)
        except BaseException:
            await run_in_threadpool(session.rollback)
            raise
        finally:
            session.close()


async def get_now() -> datetime:
    return get_clock().now()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
# scope="function": commit before the response is sent, so a failed commit is an error response.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
Now = Annotated[datetime, Depends(get_now)]


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
    row = session.execute(_PRINCIPAL_QUERY, {"sub": claims.sub, "sid": claims.sid}).one_or_none()
    if row is None:
        raise _unauthenticated("The access token is not valid.")
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
        raise _unauthenticated("The session has ended; sign in again.")
    if not active or not unit_active:
        raise _unauthenticated("The account is disabled.")
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


CurrentUser = Annotated[Principal, Depends(get_principal)]


async def require_committee_admin(principal: CurrentUser) -> Principal:
    if not principal.is_committee_admin:
        raise Problem(403, "admin_required", "Only committee administrators may do this.")
    return principal


CommitteeAdmin = Annotated[Principal, Depends(require_committee_admin)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
