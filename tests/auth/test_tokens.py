"""JWT validation: only an HS256 token with every claim right, for a live session, gets in.

Each forged token below differs from a working baseline in exactly one respect, and the baseline
itself is shown to work first, so every refusal is caused by the one thing that was changed.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jose import jwt
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.models import AuthSession, RefreshToken, User
from backend.models.enums import Role, UnitKind
from tests.conftest import TEST_SECRET
from tests.factories import create_unit, create_user

ME = "/api/v1/me"
REFRESH = "/api/v1/auth/refresh"
OTHER_SECRET = "another-secret-key-0123456789abcdef-0123456789"
DROP = object()  # a claim value meaning "leave this claim out"


def b64url(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthenticated(r: Any) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_authenticated"


class Forge:
    """Builds tokens for one signed-in user, with any claim changed or left out."""

    def __init__(self, settings: Settings, clock: FrozenClock, user: User, sid: str) -> None:
        self.settings = settings
        self.clock = clock
        self.user = user
        self.sid = sid

    def claims(self, kind: str = "access", **changes: Any) -> dict[str, Any]:
        now = int(self.clock.now().timestamp())
        claims: dict[str, Any] = {
            "sub": str(self.user.id),
            "sid": self.sid,
            "jti": str(uuid.uuid4()),
            "typ": kind,
            "iat": now,
            "exp": now + 600,
            "aud": self.settings.jwt_audience,
            "iss": self.settings.jwt_issuer,
        }
        for key, value in changes.items():
            if value is DROP:
                claims.pop(key)
            else:
                claims[key] = value
        return claims

    def token(
        self, kind: str = "access", key: str = TEST_SECRET, alg: str = "HS256", **changes: Any
    ) -> str:
        return jwt.encode(self.claims(kind, **changes), key, algorithm=alg)


@pytest.fixture
def user(db: Session) -> User:
    unit = create_unit(db, UnitKind.college)
    u = create_user(db, unit, Role.staff)
    db.commit()
    return u


@pytest.fixture
def forge(db: Session, settings: Settings, clock: FrozenClock, user: User) -> Forge:
    now = clock.now()
    sid = str(uuid.uuid4())
    db.add(AuthSession(id=sid, user_id=user.id, created_at=now, expires_at=now + timedelta(days=1)))  # type: ignore[arg-type]
    db.commit()
    return Forge(settings, clock, user, sid)


def test_baseline_forged_token_is_accepted(client: TestClient, forge: Forge, user: User) -> None:
    r = client.get(ME, headers=bearer(forge.token()))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == user.id
    assert r.json()["username"] == user.username


def test_no_token_is_refused_with_bearer_challenge(client: TestClient) -> None:
    r = client.get(ME)
    assert_unauthenticated(r)
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("garbage", ["abc", "a.b.c", "", "Bearer", "....."])
def test_malformed_token_is_refused(client: TestClient, garbage: str) -> None:
    assert_unauthenticated(client.get(ME, headers={"Authorization": f"Bearer {garbage}"}))


# --- one claim wrong or missing ---------------------------------------------------------------

BAD_CLAIMS: dict[str, dict[str, Any]] = {
    "expired": {"exp": -1},  # replaced by a past time in the test
    "expires_now": {"exp": 0},  # replaced by exactly now
    "wrong_audience": {"aud": "some-other-api"},
    "wrong_issuer": {"iss": "evil-issuer"},
    "typ_refresh": {"typ": "refresh"},
    "typ_unknown": {"typ": "id"},
    "no_exp": {"exp": DROP},
    "no_sub": {"sub": DROP},
    "no_iss": {"iss": DROP},
    "no_aud": {"aud": DROP},
    "no_jti": {"jti": DROP},
    "no_typ": {"typ": DROP},
    "no_iat": {"iat": DROP},
    "no_sid": {"sid": DROP},
    "empty_sid": {"sid": ""},
    "unknown_sid": {"sid": "00000000-0000-0000-0000-000000000000"},
    "non_numeric_sub": {"sub": "admin"},
    "unknown_sub": {"sub": "999999999"},
    "string_exp": {"exp": "9999999999"},
}


@pytest.mark.parametrize("case", sorted(BAD_CLAIMS))
def test_token_with_a_bad_claim_is_refused(
    client: TestClient, forge: Forge, clock: FrozenClock, case: str
) -> None:
    changes = dict(BAD_CLAIMS[case])
    now = int(clock.now().timestamp())
    if case == "expired":
        changes["exp"] = now - 1
    elif case == "expires_now":
        changes["exp"] = now
    assert_unauthenticated(client.get(ME, headers=bearer(forge.token(**changes))))


def test_token_expiring_one_second_from_now_is_still_accepted(
    client: TestClient, forge: Forge, clock: FrozenClock
) -> None:
    token = forge.token(exp=int(clock.now().timestamp()) + 1)
    assert client.get(ME, headers=bearer(token)).status_code == 200
    clock.advance(timedelta(seconds=1))
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


def test_token_of_another_users_session_is_refused(
    client: TestClient, db: Session, forge: Forge, user: User
) -> None:
    # A valid signature over this user's id but a session that belongs to someone else.
    other = create_user(db, create_unit(db, UnitKind.department), Role.head)
    db.commit()
    assert_unauthenticated(client.get(ME, headers=bearer(forge.token(sub=str(other.id)))))


# --- signature and algorithm ------------------------------------------------------------------


def test_wrong_secret_is_refused(client: TestClient, forge: Forge) -> None:
    token = forge.token(key=OTHER_SECRET)
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


def test_hs512_with_the_right_secret_is_refused(client: TestClient, forge: Forge) -> None:
    token = forge.token(alg="HS512")
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


def test_hs384_with_the_right_secret_is_refused(client: TestClient, forge: Forge) -> None:
    assert_unauthenticated(client.get(ME, headers=bearer(forge.token(alg="HS384"))))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
@pytest.mark.parametrize("signature", ["", "AAAA"])
def test_alg_none_is_refused(client: TestClient, forge: Forge, alg: str, signature: str) -> None:
    token = f"{b64url({'alg': alg, 'typ': 'JWT'})}.{b64url(forge.claims())}.{signature}"
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


def test_alg_none_header_on_a_real_signature_is_refused(client: TestClient, forge: Forge) -> None:
    _, payload, signature = forge.token().split(".")
    token = f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{payload}.{signature}"
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


def test_tampered_payload_is_refused(client: TestClient, db: Session, forge: Forge) -> None:
    # Keep header and signature, swap in a payload naming a more powerful user.
    admin_unit = create_unit(db, UnitKind.department)
    admin = create_user(db, admin_unit, Role.head)
    db.commit()
    header, _, signature = forge.token().split(".")
    payload = b64url(forge.claims(sub=str(admin.id)))
    assert_unauthenticated(client.get(ME, headers=bearer(f"{header}.{payload}.{signature}")))


def test_tampered_signature_is_refused(client: TestClient, forge: Forge) -> None:
    header, payload, signature = forge.token().split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert_unauthenticated(client.get(ME, headers=bearer(f"{header}.{payload}.{flipped}")))


def test_truncated_signature_is_refused(client: TestClient, forge: Forge) -> None:
    token = forge.token()
    assert_unauthenticated(client.get(ME, headers=bearer(token[:-4])))


# --- the session behind the token -------------------------------------------------------------


def _session_row(db: Session, forge: Forge) -> AuthSession:
    row = db.get(AuthSession, forge.sid)
    assert row is not None
    return row


def test_revoked_session_token_is_refused(
    client: TestClient, db: Session, forge: Forge, clock: FrozenClock
) -> None:
    token = forge.token()
    assert client.get(ME, headers=bearer(token)).status_code == 200
    row = _session_row(db, forge)
    row.revoked_at = clock.now()
    row.revoked_reason = "logout"
    db.commit()
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


def test_expired_session_refuses_an_unexpired_token(
    client: TestClient, db: Session, forge: Forge, clock: FrozenClock
) -> None:
    row = _session_row(db, forge)
    row.expires_at = clock.now() + timedelta(minutes=1)
    db.commit()
    token = forge.token()  # valid for 10 minutes
    assert client.get(ME, headers=bearer(token)).status_code == 200
    clock.advance(timedelta(minutes=1))
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


def test_deactivated_user_token_is_refused(
    client: TestClient, db: Session, forge: Forge, user: User
) -> None:
    token = forge.token()
    assert client.get(ME, headers=bearer(token)).status_code == 200
    user.is_active = False
    db.add(user)
    db.commit()
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


def test_deactivated_unit_token_is_refused(
    client: TestClient, db: Session, forge: Forge, user: User
) -> None:
    from backend.models import Unit

    token = forge.token()
    assert client.get(ME, headers=bearer(token)).status_code == 200
    unit = db.get(Unit, user.unit_id)
    assert unit is not None
    unit.is_active = False
    db.commit()
    assert_unauthenticated(client.get(ME, headers=bearer(token)))


# --- the refresh endpoint ---------------------------------------------------------------------


def _store_refresh(db: Session, forge: Forge, claims: dict[str, Any]) -> str:
    db.add(
        RefreshToken(
            jti=claims["jti"],
            session_id=forge.sid,
            expires_at=forge.clock.now() + timedelta(days=1),
        )
    )
    db.commit()
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


def assert_bad_refresh(r: Any) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_refresh_token"


def test_baseline_stored_refresh_token_rotates(
    client: TestClient, db: Session, forge: Forge
) -> None:
    token = _store_refresh(db, forge, forge.claims("refresh"))
    r = client.post(REFRESH, json={"refresh_token": token})
    assert r.status_code == 200, r.text
    assert client.get(ME, headers=bearer(r.json()["access_token"])).status_code == 200


def _other_sid(db: Session, f: Forge) -> str:
    sid = str(uuid.uuid4())
    now = f.clock.now()
    db.add(
        AuthSession(id=sid, user_id=f.user.id, created_at=now, expires_at=now + timedelta(days=1))
    )  # type: ignore[arg-type]
    db.commit()
    return sid


def _stored_but_signed(db: Session, f: Forge, key: str, alg: str) -> str:
    """A refresh token whose jti is on record, signed some other way."""
    claims = f.claims("refresh")
    _store_refresh(db, f, claims)
    return jwt.encode(claims, key, algorithm=alg)


REFRESH_CASES: dict[str, Callable[[Forge, Session], str]] = {
    "access_as_refresh": lambda f, db: f.token("access"),
    "not_stored": lambda f, db: f.token("refresh"),
    "hs512": lambda f, db: _stored_but_signed(db, f, TEST_SECRET, "HS512"),
    "wrong_secret": lambda f, db: _stored_but_signed(db, f, OTHER_SECRET, "HS256"),
    "wrong_audience": lambda f, db: _store_refresh(db, f, f.claims("refresh", aud="x")),
    "wrong_issuer": lambda f, db: _store_refresh(db, f, f.claims("refresh", iss="x")),
    "no_jti": lambda f, db: f.token("refresh", jti=DROP),
    "expired": lambda f, db: _store_refresh(
        db, f, f.claims("refresh", exp=int(f.clock.now().timestamp()) - 1)
    ),
    "alg_none": lambda f, db: f"{b64url({'alg': 'none'})}.{b64url(f.claims('refresh'))}.",
    "jti_of_other_session": lambda f, db: _store_refresh(
        db, f, f.claims("refresh", sid=_other_sid(db, f))
    ),
}


@pytest.mark.parametrize("case", sorted(REFRESH_CASES))
def test_bad_refresh_token_is_refused(
    client: TestClient, db: Session, forge: Forge, case: str
) -> None:
    token = REFRESH_CASES[case](forge, db)
    assert_bad_refresh(client.post(REFRESH, json={"refresh_token": token}))


def test_refresh_token_of_revoked_session_is_refused(
    client: TestClient, db: Session, forge: Forge, clock: FrozenClock
) -> None:
    token = _store_refresh(db, forge, forge.claims("refresh"))
    row = _session_row(db, forge)
    row.revoked_at = clock.now()
    db.commit()
    assert_bad_refresh(client.post(REFRESH, json={"refresh_token": token}))


def test_refresh_of_deactivated_user_is_refused(
    client: TestClient, db: Session, forge: Forge, user: User
) -> None:
    token = _store_refresh(db, forge, forge.claims("refresh"))
    user.is_active = False
    db.add(user)
    db.commit()
    r = client.post(REFRESH, json={"refresh_token": token})
    assert r.status_code == 401
    assert r.json()["code"] == "account_disabled"


@pytest.mark.parametrize("body", [{}, {"refresh_token": ""}, {"refresh_token": 5}])
def test_refresh_body_is_validated(client: TestClient, body: dict[str, Any]) -> None:
    r = client.post(REFRESH, json=body)
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"
