"""Login, refresh rotation with reuse detection, logout, throttling of failed logins.

Failures are *returned*, not raised, by the functions that record something on failure (a
throttle count, a revoked family): the request's transaction must commit that record even though
the caller gets an error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.schemas import TokenPair
from backend.auth.security import (
    InvalidToken,
    decode_token,
    dummy_hash,
    issue_token,
    verify_password,
)
from backend.config import Settings
from backend.core import ratelimit
from backend.errors import Problem
from backend.models import AuthSession, RefreshToken, Unit, User


@dataclass
class LoginFailure:
    problem: Problem


def _user_key(username: str) -> str:
    return f"login:user:{username.lower()}"


def _ip_key(address: str) -> str:
    return f"login:ip:{address}"


def _throttled(seconds: int) -> Problem:
    return Problem(
        429,
        "login_throttled",
        "Too many failed sign-in attempts. Try again later.",
        headers={"Retry-After": str(seconds)},
        extra={"retry_after": seconds},
    )


def _issue_pair(
    session: Session,
    settings: Settings,
    user_id: int,
    session_id: str,
    now: datetime,
    session_ends: datetime,
) -> TokenPair:
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
    return TokenPair(
        access_token=access, refresh_token=refresh, expires_in=settings.access_token_minutes * 60
    )


def login(
    session: Session,
    settings: Settings,
    *,
    username: str,
    password: str,
    address: str,
    now: datetime,
) -> TokenPair | LoginFailure:
    window = timedelta(seconds=settings.login_window_seconds)
    for key, limit in (
        (_user_key(username), settings.login_max_failures_per_user),
        (_ip_key(address), settings.login_max_failures_per_ip),
    ):
        count, left = ratelimit.current(session, key, window, now)
        if count >= limit:
            return LoginFailure(_throttled(left))

    row = session.execute(
        sa.select(User, col(Unit.is_active))
        .join(Unit, col(Unit.id) == col(User.unit_id))
        .where(col(User.username) == username)
    ).one_or_none()
    user = row[0] if row else None
    ok = verify_password(password, user.password_hash if user else dummy_hash())
    if user is None or not ok:
        for key in (_user_key(username), _ip_key(address)):
            ratelimit.hit(session, key, window, now)
        session.flush()
        return LoginFailure(
            Problem(401, "invalid_credentials", "The username or password is incorrect.")
        )
    if not user.is_active or (row is not None and not row[1]):
        return LoginFailure(Problem(401, "account_disabled", "This account is disabled."))
    ratelimit.reset(session, _user_key(username))
    assert user.id is not None
    sid = str(uuid.uuid4())
    ends = now + timedelta(days=settings.refresh_token_days)
    session.add(AuthSession(id=sid, user_id=user.id, created_at=now, expires_at=ends))
    session.flush()
    return _issue_pair(session, settings, user.id, sid, now, ends)


def refresh(
    session: Session, settings: Settings, *, token: str, now: datetime
) -> TokenPair | LoginFailure:
    bad = LoginFailure(
        Problem(401, "invalid_refresh_token", "The refresh token is not valid; sign in again.")
    )
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
        return LoginFailure(Problem(401, "account_disabled", "This account is disabled."))
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
