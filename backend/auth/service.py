"""Login, refresh rotation with reuse detection, logout, throttling of failed logins.

Failures are *returned*, not raised, by the functions that record something on failure (a
throttle count, a revoked family): the transaction they write in (the request's, or sign-in's own
write unit) must commit that record even though the caller gets an error.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth import throttle
from backend.auth.schemas import TokenPair
from backend.auth.security import InvalidToken, decode_token, dummy_hash, issue_token
from backend.config import Settings
from backend.core import ratelimit
from backend.errors import Problem, ProblemCode
from backend.models import AuthSession, RefreshToken, Unit, User

T = TypeVar("T")


@dataclass
class LoginFailure:
    problem: Problem


@dataclass(frozen=True)
class Issued:
    tokens: TokenPair
    refresh_expires: datetime  # for the cookie's lifetime


class Units(Protocol):
    """Short transactions of their own (backend.deps.Work)."""

    async def read(self, unit: Callable[[Session], T]) -> T: ...

    async def write(self, unit: Callable[[Session], T]) -> T: ...


class Verifier(Protocol):
    """Checks a password against its hash off the event loop (security.PasswordGate)."""

    async def verify(self, password: str, password_hash: str) -> bool: ...


def _throttled(seconds: int) -> LoginFailure:
    return LoginFailure(
        ratelimit.too_many(
            ProblemCode.login_throttled,
            "Too many failed sign-in attempts. Try again later.",
            seconds,
        )
    )


def _issue_pair(
    session: Session,
    settings: Settings,
    user_id: int,
    session_id: str,
    now: datetime,
    session_ends: datetime,
) -> Issued:
    access, _, _ = issue_token(
        settings,
        user_id=user_id,
        session_id=session_id,
        typ="access",
        now=now,
        lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    refresh, jti, exp = issue_token(
        settings,
        user_id=user_id,
        session_id=session_id,
        typ="refresh",
        now=now,
        # Never beyond the session's end, which no refresh extends.
        lifetime=min(timedelta(days=settings.refresh_token_days), session_ends - now),
    )
    session.add(RefreshToken(jti=jti, session_id=session_id, expires_at=exp))
    session.flush()
    tokens = TokenPair(
        access_token=access, refresh_token=refresh, expires_in=settings.access_token_minutes * 60
    )
    return Issued(tokens, exp)


@dataclass(frozen=True)
class _Candidate:
    user_id: int | None  # None: no such username (its hash is the dummy's)
    password_hash: str


async def login(
    units: Units,
    passwords: Verifier,
    settings: Settings,
    *,
    username: str,
    password: str,
    address: str,
    now: datetime,
) -> Issued | LoginFailure:
    """Sign in: read, hash outside any transaction, then decide and write in a short one.

    argon2 takes a good part of a second of CPU: run inside the write transaction it held
    SQLite's single write turn (and every other writer) for as long. The decision is taken again
    after the hash, on locked counters, so concurrent attempts cannot all slip under a limit:
    one that lands beyond it gets 429 whatever its password, which tells a guesser nothing.
    """
    rules = throttle.rules_for(settings, username, address)
    candidate = await units.read(lambda s: _prepare(s, settings, rules, username, now))
    if isinstance(candidate, LoginFailure):
        return candidate
    ok = await passwords.verify(password, candidate.password_hash)
    return await units.write(lambda s: _conclude(s, settings, rules, candidate, ok, now))


def _prepare(
    session: Session, settings: Settings, rules: throttle.Rules, username: str, now: datetime
) -> _Candidate | LoginFailure:
    # Refuse a throttled attempt before paying for the hash.
    wait = throttle.wait_for(rules, ratelimit.peek(session, rules.keys), settings, now)
    if wait:
        return _throttled(wait)
    row = session.execute(
        sa.select(col(User.id), col(User.password_hash)).where(col(User.username) == username)
    ).one_or_none()
    # An unknown username is verified against a dummy hash: a miss costs as much as a wrong
    # password, so timing does not tell which usernames exist.
    return _Candidate(row[0], row[1]) if row else _Candidate(None, dummy_hash())


def _conclude(
    session: Session,
    settings: Settings,
    rules: throttle.Rules,
    candidate: _Candidate,
    ok: bool,
    now: datetime,
) -> Issued | LoginFailure:
    failed = candidate.user_id is None or not ok
    buckets = ratelimit.lock(session, rules.keys, now, create=failed)
    wait = throttle.wait_for(rules, buckets, settings, now)
    if wait:
        return _throttled(wait)
    if failed:
        throttle.count_failure(rules, buckets, settings, now)
        session.flush()
        return LoginFailure(
            Problem(401, ProblemCode.invalid_credentials, "The username or password is incorrect.")
        )
    row = session.execute(
        sa.select(col(User.is_active), col(Unit.is_active))
        .join(Unit, col(Unit.id) == col(User.unit_id))
        .where(col(User.id) == candidate.user_id)
    ).one_or_none()
    if row is None or not row[0] or not row[1]:
        return LoginFailure(Problem(401, ProblemCode.account_disabled, "This account is disabled."))
    assert candidate.user_id is not None
    ratelimit.reset(session, rules.pair.key)
    sid = str(uuid.uuid4())
    ends = now + timedelta(days=settings.refresh_token_days)
    session.add(AuthSession(id=sid, user_id=candidate.user_id, created_at=now, expires_at=ends))
    session.flush()
    return _issue_pair(session, settings, candidate.user_id, sid, now, ends)


def invalid_refresh() -> LoginFailure:
    return LoginFailure(
        Problem(
            401, ProblemCode.invalid_refresh_token, "The refresh token is not valid; sign in again."
        )
    )


def refresh(
    session: Session, settings: Settings, *, token: str, now: datetime
) -> Issued | LoginFailure:
    bad = invalid_refresh()
    try:
        claims = decode_token(settings, token, "refresh", now)
    except InvalidToken:
        return bad
    # Lock the token row so two concurrent refreshes with one token cannot both rotate it.
    stored = session.execute(
        sa.select(RefreshToken).where(col(RefreshToken.jti) == claims.jti).with_for_update()
    ).scalar_one_or_none()
    auth = session.get(AuthSession, claims.sid)
    if stored is None or auth is None or stored.session_id != auth.id:
        return bad
    # The session's own end is final: a refresh JWT minted late in the session outlives it.
    if auth.revoked_at is not None or auth.expires_at <= now:
        return bad
    if stored.used_at is not None:
        # A used refresh token came back: it was stolen or replayed. Kill the whole family.
        auth.revoked_at = now
        auth.revoked_reason = "refresh_reuse"
        session.flush()
        return bad
    user = session.get(User, auth.user_id)
    unit = session.get(Unit, user.unit_id) if user else None
    if user is None or unit is None or not user.is_active or not unit.is_active:
        return LoginFailure(Problem(401, ProblemCode.account_disabled, "This account is disabled."))
    stored.used_at = now
    session.flush()
    return _issue_pair(session, settings, auth.user_id, auth.id, now, auth.expires_at)


def logout(session: Session, session_id: str, now: datetime) -> None:
    auth = session.get(AuthSession, session_id)
    if auth is not None and auth.revoked_at is None:
        auth.revoked_at = now
        auth.revoked_reason = "logout"
        session.flush()


def revoke_user_sessions(session: Session, user_id: int, now: datetime, reason: str) -> None:
    session.execute(
        sa.update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
