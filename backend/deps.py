"""Request-scoped dependencies: settings, the one transaction, the clock, the caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.auth.security import InvalidToken, PasswordGate, TokenClaims, decode_token
from backend.auth.subject import Subject, load_user, unauthenticated
from backend.config import Settings
from backend.core.clock import get_clock
from backend.db import finish
from backend.errors import Problem, ProblemCode, busy

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")

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
        # The pool's steady connections only: overflow connections are closed when returned, and
        # a new SQLite connection starts with a cold cache. Overflow serves work outside requests.
        self.slots = asyncio.Semaphore(settings.db_pool_size)
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
            raise busy() from exc
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

    Sessions connect lazily inside the handler's thread, so a request costs one hop to the
    thread pool; a writing one takes SQLite's write turn there (see backend.db.WriteTurn).
    """
    factory = request.app.state.session_factory
    write = request.method not in SAFE_METHODS
    gate: DbGate = request.app.state.db_gate
    async with gate.admit(write):
        if not write:
            session: Session = factory(write=False)
            try:
                yield session
                # Safe methods may still count something (the public lookup's rate limit).
                session.commit()
            finally:
                session.close()
            return
        # Connects (and, on SQLite, takes the write turn) on first use inside the handler.
        session = factory(write=True)
        try:
            yield session
        except BaseException:
            await run_in_threadpool(finish, session, False)
            session.close()
            raise
        try:
            if gate.writer is not None:
                # SQLite in WAL commits without fsync: cheaper inline than a thread hop
                # while every other writer of this process waits for the turn.
                finish(session, True)
            else:
                await run_in_threadpool(finish, session, True)
        finally:
            session.close()


class Work:
    """Short units of work, each in its own transaction, committed when it returns.

    For what must be written whatever becomes of the request (a rate-limit count, refused or
    not), and for handlers that must not hold one transaction throughout (sign-in verifies a
    password between its read and its write). Each unit is admitted by the gate like a request,
    so it must run before the request's own session (DbSession) is opened, never inside it.
    """

    def __init__(self, request: Request) -> None:
        self._factory: Callable[..., Session] = request.app.state.session_factory
        self._gate: DbGate = request.app.state.db_gate

    async def read(self, unit: Callable[[Session], T]) -> T:
        return await self._run(unit, write=False)

    async def write(self, unit: Callable[[Session], T]) -> T:
        return await self._run(unit, write=True)

    async def _run(self, unit: Callable[[Session], T], *, write: bool) -> T:
        async with self._gate.admit(write):
            return await run_in_threadpool(self._in_session, unit, write)

    def _in_session(self, unit: Callable[[Session], T], write: bool) -> T:
        session = self._factory(write=write)
        try:
            result = unit(session)
            finish(session, True)
            return result
        except BaseException:
            finish(session, False)
            raise
        finally:
            session.close()


async def get_work(request: Request) -> Work:
    return Work(request)


async def get_password_gate(request: Request) -> PasswordGate:
    gate: PasswordGate = request.app.state.password_gate
    return gate


async def get_now() -> datetime:
    return get_clock().now()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
# scope="function": commit before the response is sent, so a failed commit is an error response.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
Now = Annotated[datetime, Depends(get_now)]
WorkDep = Annotated[Work, Depends(get_work)]
Passwords = Annotated[PasswordGate, Depends(get_password_gate)]


async def get_claims(
    settings: SettingsDep, now: Now, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> TokenClaims:
    """A verified access token (signature, claims, expiry); CPU only, so in the event loop."""
    if not token:
        raise unauthenticated()
    try:
        return decode_token(settings, token, "access", now)
    except InvalidToken as exc:
        raise unauthenticated("The access token is not valid.") from exc


Claims = Annotated[TokenClaims, Depends(get_claims)]


def get_subject(session: DbSession, claims: Claims, now: Now) -> Subject:
    """Who is acting. Today every token is a user's: the live user behind it, their session,
    account and unit checked every time (service clients come with the integrations issue)."""
    return load_user(session, claims, now)


CurrentSubject = Annotated[Subject, Depends(get_subject)]


async def require_user(subject: CurrentSubject) -> Subject:
    """For what only a person has: a session, an inbox, mail preferences."""
    subject.person()
    return subject


CurrentUser = Annotated[Subject, Depends(require_user)]


async def require_committee_admin(subject: CurrentSubject) -> Subject:
    if not subject.is_committee_admin:
        raise Problem(403, ProblemCode.admin_required, "Only committee administrators may do this.")
    return subject


CommitteeAdmin = Annotated[Subject, Depends(require_committee_admin)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
