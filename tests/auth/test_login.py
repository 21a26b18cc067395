"""Signing in through the OAuth2 password form, refresh rotation, logout, throttling, and
the ways an administrator ends someone's sessions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.security import decode_token, issue_token
from backend.config import Settings
from backend.core.clock import FrozenClock, get_clock
from backend.models import AuthSession, RefreshToken, Unit, User
from backend.models.enums import Role, UnitKind
from tests.auth.conftest import MakeClient
from tests.factories import PASSWORD, World, create_unit, create_user

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post(TOKEN, data={"username": username, "password": password})


def login_ok(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    r = login(client, username, password)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def bearer(pair: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


def me_status(client: TestClient, pair: dict[str, Any]) -> int:
    return client.get(ME, headers=bearer(pair)).status_code


def refresh(client: TestClient, pair: dict[str, Any]) -> Any:
    return client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})


def assert_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code
    return body


def mint(db: Session, settings: Settings, user: User) -> dict[str, Any]:
    """A signed-in pair made the way login makes it, without paying for argon2.

    Tests about the password form use :func:`login`; tests about what happens to a session
    afterwards start from here.
    """
    now = get_clock().now()
    sid = str(uuid.uuid4())
    db.add(
        AuthSession(
            id=sid,
            user_id=user.id,  # type: ignore[arg-type]
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    access, _, _ = issue_token(
        settings,
        user_id=user.id,  # type: ignore[arg-type]
        session_id=sid,
        typ="access",
        now=now,
        lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    refresh_token, jti, exp = issue_token(
        settings,
        user_id=user.id,  # type: ignore[arg-type]
        session_id=sid,
        typ="refresh",
        now=now,
        lifetime=timedelta(days=settings.refresh_token_days),
    )
    db.add(RefreshToken(jti=jti, session_id=sid, expires_at=exp))
    db.commit()
    return {"access_token": access, "refresh_token": refresh_token}


@pytest.fixture
def unit(db: Session) -> Unit:
    return create_unit(db, UnitKind.college)


@pytest.fixture
def user(db: Session, unit: Unit) -> User:
    u = create_user(db, unit, Role.head)
    db.commit()
    return u


# --- signing in -------------------------------------------------------------------------------


def test_login_returns_a_bearer_pair_and_me_describes_the_user(
    client: TestClient, user: User, unit: Unit, settings: Settings
) -> None:
    pair = login_ok(client, user.username)
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == settings.access_token_minutes * 60
    assert pair["access_token"] != pair["refresh_token"]

    r = client.get(ME, headers=bearer(pair))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": "head",
        "is_admin": False,
        "unit": {"id": unit.id, "kind": "college", "name": unit.name, "code": unit.code},
    }


def test_me_of_a_committee_admin(world: World) -> None:
    me = world.ok("committee_admin", "GET", "/me")
    assert me["is_admin"] is True
    assert me["unit"]["kind"] == "committee"
    assert me["unit"]["id"] == world.committee.id


def test_each_login_is_its_own_session(client: TestClient, db: Session, user: User) -> None:
    a = login_ok(client, user.username)
    b = login_ok(client, user.username)
    assert client.post(LOGOUT, headers=bearer(a)).status_code == 204
    assert me_status(client, a) == 401
    assert me_status(client, b) == 200
    live = db.execute(
        sa.select(sa.func.count())
        .select_from(AuthSession)
        .where(col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None))
    ).scalar_one()
    assert live == 1


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient, user: User) -> None:
    wrong = login(client, user.username, "not-the-password")
    unknown = login(client, "nobody-at-all", PASSWORD)
    body = assert_problem(wrong, 401, "invalid_credentials")
    assert assert_problem(unknown, 401, "invalid_credentials") == body
    assert "access_token" not in body


def test_login_form_is_validated(client: TestClient) -> None:
    r = client.post(TOKEN, data={"username": "someone"})
    assert_problem(r, 422, "validation_error")
    r = client.post(TOKEN, json={"username": "someone", "password": PASSWORD})
    assert_problem(r, 422, "validation_error")


def test_deactivated_user_cannot_sign_in(client: TestClient, db: Session, user: User) -> None:
    user.is_active = False
    db.add(user)
    db.commit()
    assert_problem(login(client, user.username), 401, "account_disabled")
    # A wrong password does not reveal that the account exists but is disabled.
    assert_problem(login(client, user.username, "not-the-password"), 401, "invalid_credentials")


def test_user_of_a_deactivated_unit_cannot_sign_in(
    client: TestClient, db: Session, user: User, unit: Unit
) -> None:
    unit.is_active = False
    db.commit()
    assert_problem(login(client, user.username), 401, "account_disabled")


# --- throttling -------------------------------------------------------------------------------


def test_pair_throttle_blocks_even_the_right_password_until_the_window_ends(
    client: TestClient, user: User, settings: Settings, clock: FrozenClock
) -> None:
    limit = settings.login_max_failures_per_pair
    assert limit == 5
    for _ in range(limit):
        assert_problem(login(client, user.username, "wrong-password"), 401, "invalid_credentials")

    r = login(client, user.username, PASSWORD)
    body = assert_problem(r, 429, "login_throttled")
    retry = int(r.headers["retry-after"])
    assert 0 < retry <= settings.login_window_seconds
    assert body["retry_after"] == retry
    # The username is what is throttled, whatever its case.
    assert_problem(login(client, user.username.upper(), PASSWORD), 429, "login_throttled")

    # Still inside the window a little later: still throttled, with less to wait.
    clock.advance(timedelta(seconds=60))
    r = login(client, user.username, PASSWORD)
    assert_problem(r, 429, "login_throttled")
    assert int(r.headers["retry-after"]) == retry - 60

    clock.advance(timedelta(seconds=retry - 60 + 1))
    login_ok(client, user.username)


def test_the_right_password_from_another_address_works_after_five_wrong_ones(
    make_client: MakeClient, user: User
) -> None:
    """Before, five failures locked the username itself: an attacker anywhere locked anyone out."""
    attacker = make_client("198.51.100.66")
    owner = make_client("192.0.2.10")
    for _ in range(5):
        assert_problem(login(attacker, user.username, "guess"), 401, "invalid_credentials")
    assert_problem(login(attacker, user.username), 429, "login_throttled")
    login_ok(owner, user.username)
    # and the owner's success does not lift the attacker's pair
    assert_problem(login(attacker, user.username), 429, "login_throttled")


def test_a_username_failing_from_many_addresses_backs_off_and_is_never_locked(
    make_client: MakeClient, user: User, clock: FrozenClock
) -> None:
    limits = {"login_max_failures_per_pair": 1, "login_max_failures_per_user": 2}
    limits |= {"login_backoff_seconds": 4, "login_backoff_max_seconds": 30}
    # Each address fails once (its pair is then spent); the username counts them all.
    bots = (make_client(f"203.0.113.{i}", **limits) for i in range(1, 100))
    owner = make_client("192.0.2.10", **limits)
    for _ in range(2):  # up to the per-username limit: nothing held back
        assert_problem(login(next(bots), user.username, "guess"), 401, "invalid_credentials")

    waits = []
    for _ in range(4):
        assert_problem(login(next(bots), user.username, "guess"), 401, "invalid_credentials")
        r = login(owner, user.username)  # even the right password waits its turn
        body = assert_problem(r, 429, "login_throttled")
        waits.append(body["retry_after"])
        assert r.headers["retry-after"] == str(body["retry_after"])
        clock.advance(timedelta(seconds=body["retry_after"]))
    assert waits == [4, 8, 16, 30]  # doubling, up to the maximum; never the whole window

    # The wait is over: the owner signs in, from an address that never failed.
    login_ok(owner, user.username)


# These use an app allowing two failures per pair, to keep the argon2 work small.


def test_successful_login_resets_the_failure_count(make_client: MakeClient, user: User) -> None:
    client = make_client(login_max_failures_per_pair=2)
    assert_problem(login(client, user.username, "wrong-password"), 401, "invalid_credentials")
    login_ok(client, user.username)
    assert_problem(login(client, user.username, "wrong-password"), 401, "invalid_credentials")
    # Without the reset, two failures would now be on record: throttled.
    login_ok(client, user.username)
    login(client, user.username, "wrong-password")
    login(client, user.username, "wrong-password")
    assert_problem(login(client, user.username), 429, "login_throttled")


def test_throttle_of_one_username_leaves_others_alone(
    make_client: MakeClient, db: Session, user: User, unit: Unit
) -> None:
    client = make_client(login_max_failures_per_pair=2)
    other = create_user(db, unit)
    db.commit()
    for _ in range(2):
        login(client, user.username, "wrong-password")
    assert_problem(login(client, user.username), 429, "login_throttled")
    login_ok(client, other.username)


def test_unknown_usernames_are_throttled_too(make_client: MakeClient) -> None:
    client = make_client(login_max_failures_per_pair=2)
    for _ in range(2):
        assert_problem(login(client, "ghost", "x"), 401, "invalid_credentials")
    assert_problem(login(client, "ghost", "x"), 429, "login_throttled")


def test_per_address_throttle_across_usernames(
    make_client: MakeClient, user: User, clock: FrozenClock, settings: Settings
) -> None:
    client = make_client(login_max_failures_per_ip=2)
    for name in ("alice", "bob"):
        assert_problem(login(client, name, "guess"), 401, "invalid_credentials")
    # A third username, and a correct password: the address is throttled.
    r = login(client, user.username, PASSWORD)
    body = assert_problem(r, 429, "login_throttled")
    assert int(r.headers["retry-after"]) == body["retry_after"] > 0
    clock.advance(timedelta(seconds=settings.login_window_seconds + 1))
    login_ok(client, user.username)


# --- access expiry, refresh rotation ----------------------------------------------------------


def test_access_token_expires_and_refresh_still_works(
    client: TestClient, user: User, settings: Settings, clock: FrozenClock
) -> None:
    pair = login_ok(client, user.username)
    clock.advance(timedelta(minutes=settings.access_token_minutes) - timedelta(seconds=1))
    assert me_status(client, pair) == 200
    clock.advance(timedelta(seconds=1))
    r = client.get(ME, headers=bearer(pair))
    assert_problem(r, 401, "not_authenticated")

    r = refresh(client, pair)
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["token_type"] == "bearer"
    assert new["refresh_token"] != pair["refresh_token"]
    assert me_status(client, new) == 200


def test_refresh_token_expires_after_refresh_token_days(
    client: TestClient, db: Session, user: User, settings: Settings, clock: FrozenClock
) -> None:
    pair = mint(db, settings, user)
    clock.advance(timedelta(days=settings.refresh_token_days) - timedelta(seconds=1))
    assert me_status(client, pair) == 401  # long past the access token's life
    assert refresh(client, pair).status_code == 200
    pair = mint(db, settings, user)
    clock.advance(timedelta(days=settings.refresh_token_days))
    assert_problem(refresh(client, pair), 401, "invalid_refresh_token")


def test_refresh_ends_with_the_session_even_when_the_refresh_token_lives_on(
    client: TestClient, db: Session, user: User, settings: Settings, clock: FrozenClock
) -> None:
    days = settings.refresh_token_days
    pair = mint(db, settings, user)
    clock.advance(timedelta(days=days - 1))
    late = refresh(client, pair)
    assert late.status_code == 200, late.text
    # The session ends `days` after sign-in; the refresh token just issued is not checked here
    # for its own lifetime but for the session's.
    clock.advance(timedelta(days=1))
    assert_problem(refresh(client, late.json()), 401, "invalid_refresh_token")


def test_a_late_refresh_token_expires_with_its_session(
    client: TestClient, db: Session, user: User, settings: Settings, clock: FrozenClock
) -> None:
    pair = mint(db, settings, user)
    clock.advance(timedelta(days=settings.refresh_token_days - 1))
    late = refresh(client, pair).json()
    claims = decode_token(settings, late["refresh_token"], "refresh", clock.now())
    sid_end = db.get(AuthSession, claims.sid)
    assert sid_end is not None
    assert claims.exp == sid_end.expires_at


def test_refresh_token_works_once(
    client: TestClient, db: Session, settings: Settings, user: User
) -> None:
    first = mint(db, settings, user)
    second = refresh(client, first).json()
    assert me_status(client, second) == 200
    # The used refresh token is dead ...
    assert_problem(refresh(client, first), 401, "invalid_refresh_token")


def test_refresh_reuse_revokes_the_whole_family(
    client: TestClient, db: Session, settings: Settings, user: User
) -> None:
    first = mint(db, settings, user)
    second = refresh(client, first).json()
    third = refresh(client, second).json()
    assert me_status(client, third) == 200

    # An attacker replays the first refresh token: refused, and the family is killed.
    assert_problem(refresh(client, first), 401, "invalid_refresh_token")
    assert me_status(client, third) == 401
    assert_problem(refresh(client, third), 401, "invalid_refresh_token")
    reasons = (
        db.execute(
            sa.select(col(AuthSession.revoked_reason)).where(col(AuthSession.user_id) == user.id)
        )
        .scalars()
        .all()
    )
    assert reasons == ["refresh_reuse"]


def test_refresh_reuse_leaves_other_sessions_alive(
    client: TestClient, db: Session, settings: Settings, user: User
) -> None:
    phone = mint(db, settings, user)
    laptop = mint(db, settings, user)
    refresh(client, phone)
    assert_problem(refresh(client, phone), 401, "invalid_refresh_token")
    assert me_status(client, laptop) == 200
    assert refresh(client, laptop).status_code == 200


# --- logout and administrative revocation -----------------------------------------------------


def test_logout_kills_access_and_refresh(client: TestClient, user: User) -> None:
    pair = login_ok(client, user.username)
    assert me_status(client, pair) == 200
    r = client.post(LOGOUT, headers=bearer(pair))
    assert r.status_code == 204
    assert me_status(client, pair) == 401
    assert_problem(refresh(client, pair), 401, "invalid_refresh_token")
    # Logging out twice with a dead token is itself refused.
    assert client.post(LOGOUT, headers=bearer(pair)).status_code == 401


def test_logout_needs_a_token(client: TestClient) -> None:
    assert_problem(client.post(LOGOUT), 401, "not_authenticated")


def _patch_user(world: World, user: User, body: dict[str, Any]) -> dict[str, Any]:
    return world.ok("committee_admin", "PATCH", f"/users/{user.id}", json=body)


def test_deactivation_by_the_committee_kills_tokens_at_once(
    world: World, client: TestClient, db: Session, settings: Settings, user: User
) -> None:
    pair = mint(db, settings, user)
    assert me_status(client, pair) == 200
    assert _patch_user(world, user, {"is_active": False})["is_active"] is False
    assert me_status(client, pair) == 401
    assert refresh(client, pair).status_code == 401
    assert_problem(login(client, user.username), 401, "account_disabled")
    # Reactivation does not bring the old session back.
    _patch_user(world, user, {"is_active": True})
    assert me_status(client, pair) == 401
    assert me_status(client, mint(db, settings, user)) == 200


def test_password_reset_kills_sessions(
    world: World, client: TestClient, db: Session, settings: Settings, user: User
) -> None:
    pair = mint(db, settings, user)
    _patch_user(world, user, {"password": "a-brand-new-password"})
    assert me_status(client, pair) == 401
    assert refresh(client, pair).status_code == 401
    assert_problem(login(client, user.username, PASSWORD), 401, "invalid_credentials")
    assert me_status(client, login_ok(client, user.username, "a-brand-new-password")) == 200


def test_moving_a_user_kills_sessions_and_me_shows_the_new_unit(
    world: World, client: TestClient, db: Session, settings: Settings, user: User
) -> None:
    pair = mint(db, settings, user)
    _patch_user(world, user, {"unit_id": world.college_other.id})
    assert me_status(client, pair) == 401
    me = client.get(ME, headers=bearer(mint(db, settings, user))).json()
    assert me["unit"]["id"] == world.college_other.id


def test_renaming_a_user_keeps_sessions(
    world: World, client: TestClient, db: Session, settings: Settings, user: User
) -> None:
    pair = mint(db, settings, user)
    _patch_user(world, user, {"display_name": "新名字"})
    r = client.get(ME, headers=bearer(pair))
    assert r.status_code == 200
    assert r.json()["display_name"] == "新名字"
