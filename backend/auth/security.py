"""Tokens and passwords: the only module that touches python-jose and the password hasher.

Access tokens are short-lived; refresh tokens rotate and carry their session (family) id; every
token must be HS256 and carry exp/iat/sub/aud/iss/jti and a ``typ`` claim, and the session named in
``sid`` must not be revoked (checked by the caller against the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from backend.config import Settings
from backend.errors import busy

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    sub: int
    sid: str
    jti: str
    typ: TokenType
    exp: datetime


def issue_token(
    settings: Settings,
    *,
    user_id: int,
    session_id: str,
    typ: TokenType,
    now: datetime,
    lifetime: timedelta,
    jti: str | None = None,
) -> tuple[str, str, datetime]:
    jti = jti or str(uuid.uuid4())
    exp = now + lifetime
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "sid": session_id,
        "jti": jti,
        "typ": typ,
        "iat": int(now.timestamp()),
        "exp": int(exp.timestamp()),
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), jti, exp


def decode_token(settings: Settings, token: str, expected: TokenType, now: datetime) -> TokenClaims:
    try:
        # Check the header ourselves too: python-jose must never be handed a choice of algorithm.
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("algorithm not allowed")
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={
                # exp is required and checked below against the injectable clock: python-jose
                # would check a required exp against the wall clock.
                "require_iat": True,
                "require_sub": True,
                "require_aud": True,
                "require_iss": True,
                "require_jti": True,
                "verify_exp": False,
            },
        )
    except JWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("typ") != expected:
        raise InvalidToken("wrong token type")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= int(now.timestamp()):
        raise InvalidToken("token expired")
    try:
        sub = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise InvalidToken("bad subject") from exc
    sid = claims.get("sid")
    if not isinstance(sid, str) or not sid:
        raise InvalidToken("no session")
    return TokenClaims(
        sub=sub,
        sid=sid,
        jti=str(claims["jti"]),
        typ=expected,
        exp=datetime.fromtimestamp(exp, tz=now.tzinfo),
    )


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher().verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, not a 500
        return False


# Verified against when the username is unknown, so a miss costs as much as a wrong password.
@lru_cache
def dummy_hash() -> str:
    return hash_password("not-a-real-password")


def _hash_thread_priority() -> None:
    """Hashing threads run at a lower priority (nice 10): when the CPU is short, requests go
    first and sign-ins wait. Linux sets this per thread; elsewhere it may not apply."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


class PasswordGate:
    """Password checks for requests: in threads of their own, at most ``size`` at once.

    argon2 is built to be costly (here about 0.2 s of CPU and 64 MiB each): a burst of sign-ins
    running all at once would take every core, and the request thread pool, from other requests.
    The rest wait in the event loop, costing nothing, for up to ``wait_seconds`` (then 503 `busy`).
    """

    def __init__(
        self,
        size: int,
        wait_seconds: float,
        verify: Callable[[str, str], bool] = verify_password,
    ) -> None:
        self.size = size
        self._slots = asyncio.Semaphore(size)
        self._wait = wait_seconds
        self._verify = verify
        self._threads = ThreadPoolExecutor(
            max_workers=size,
            thread_name_prefix="password-hash",
            initializer=_hash_thread_priority,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordGate:
        return cls(settings.resolved_password_hash_concurrency, settings.password_hash_wait_seconds)

    async def verify(self, password: str, password_hash: str) -> bool:
        try:
            async with asyncio.timeout(self._wait):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise busy() from exc
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, self._verify, password, password_hash)
        finally:
            self._slots.release()
