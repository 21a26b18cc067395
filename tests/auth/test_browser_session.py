"""Tokens in the browser: the refresh token only in an HttpOnly cookie scoped to the auth
endpoints (asked for with ``X-Huiyin-Auth: cookie``), the access token only in the JSON body;
API clients keep the JSON pair. And the security headers on every response.

Before, the SPA kept both tokens in localStorage, readable by any script on the page, and no
response carried a content security policy.
"""

from __future__ import annotations

import base64
import hashlib
import re
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.auth.cookies import COOKIE_PATH, MODE_HEADER, REFRESH_COOKIE
from backend.config import Settings
from backend.main import create_app
from backend.models import Unit, User
from backend.models.enums import Role, UnitKind
from tests.auth.conftest import MakeClient
from tests.factories import PASSWORD, create_unit, create_user

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
COOKIE_MODE = {MODE_HEADER: "cookie"}


@pytest.fixture
def user(db: Session) -> User:
    unit: Unit = create_unit(db, UnitKind.college)
    u = create_user(db, unit, Role.staff)
    db.commit()
    return u


def set_cookie(r: httpx.Response) -> Any:
    """The refresh cookie the response sets (a Morsel), or None."""
    jar: SimpleCookie = SimpleCookie()
    for header in r.headers.get_list("set-cookie"):
        jar.load(header)
    return jar.get(REFRESH_COOKIE)


def sign_in(client: TestClient, user: User, headers: dict[str, str] | None = None) -> Any:
    return client.post(
        TOKEN, data={"username": user.username, "password": PASSWORD}, headers=headers
    )


def with_cookie(value: str) -> dict[str, str]:
    # The cookie is Secure: httpx would not send it to http://testserver by itself.
    return {**COOKIE_MODE, "Cookie": f"{REFRESH_COOKIE}={value}"}


def test_cookie_mode_sign_in_sets_an_httponly_strict_cookie_and_no_refresh_token_in_the_body(
    client: TestClient, user: User, settings: Settings
) -> None:
    r = sign_in(client, user, COOKIE_MODE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["refresh_token"] is None
    assert client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"}).is_success

    cookie = set_cookie(r)
    assert cookie is not None
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["secure"] is True  # the test environment is not development
    assert cookie["samesite"].lower() == "strict"
    assert cookie["path"] == COOKIE_PATH
    assert int(cookie["max-age"]) == settings.refresh_token_days * 86400
    # The path covers the three endpoints that use it, and nothing else of the API.
    for path in (TOKEN, REFRESH, LOGOUT):
        assert path.startswith(COOKIE_PATH + "/")
    assert not ME.startswith(COOKIE_PATH)


def test_the_cookie_is_not_secure_in_development_only(
    make_client: MakeClient, user: User, settings: Settings
) -> None:
    dev = make_client(environment="development")
    cookie = set_cookie(sign_in(dev, user, COOKIE_MODE))
    assert cookie is not None
    assert not cookie["secure"]
    assert cookie["httponly"] is True


def test_api_clients_keep_the_json_pair_and_get_no_cookie(client: TestClient, user: User) -> None:
    r = sign_in(client, user)
    assert r.status_code == 200, r.text
    assert r.json()["refresh_token"]
    assert set_cookie(r) is None
    again = client.post(REFRESH, json={"refresh_token": r.json()["refresh_token"]})
    assert again.status_code == 200
    assert again.json()["refresh_token"]
    assert set_cookie(again) is None


def test_refresh_by_cookie_rotates_it_and_a_replayed_cookie_ends_the_session(
    client: TestClient, user: User
) -> None:
    first = set_cookie(sign_in(client, user, COOKIE_MODE)).value
    r = client.post(REFRESH, headers=with_cookie(first))
    assert r.status_code == 200, r.text
    assert r.json()["refresh_token"] is None
    second = set_cookie(r).value
    assert second != first
    access = r.json()["access_token"]
    assert client.get(ME, headers={"Authorization": f"Bearer {access}"}).is_success

    replay = client.post(REFRESH, headers=with_cookie(first))
    assert replay.status_code == 401
    assert replay.json()["code"] == "invalid_refresh_token"
    cleared = set_cookie(replay)
    assert cleared is not None
    assert cleared.value == ""
    assert int(cleared["max-age"]) == 0
    # reuse killed the whole session: the rotated cookie is dead too
    assert client.post(REFRESH, headers=with_cookie(second)).status_code == 401


def test_the_cookie_is_read_only_with_the_header(client: TestClient, user: User) -> None:
    cookie = set_cookie(sign_in(client, user, COOKIE_MODE)).value
    r = client.post(REFRESH, headers={"Cookie": f"{REFRESH_COOKIE}={cookie}"})
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_refresh_token"
    # still unused: with the header it works
    assert client.post(REFRESH, headers=with_cookie(cookie)).status_code == 200


def test_refresh_with_neither_cookie_nor_body_is_401(client: TestClient) -> None:
    for headers in ({}, COOKIE_MODE):
        r = client.post(REFRESH, headers=headers)
        assert r.status_code == 401
        assert r.json()["code"] == "invalid_refresh_token"


def test_logout_clears_the_cookie_and_ends_the_session(client: TestClient, user: User) -> None:
    r = sign_in(client, user, COOKIE_MODE)
    cookie = set_cookie(r).value
    out = client.post(LOGOUT, headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert out.status_code == 204
    cleared = set_cookie(out)
    assert cleared is not None
    assert cleared.value == ""
    assert int(cleared["max-age"]) == 0
    assert cleared["path"] == COOKIE_PATH
    assert client.post(REFRESH, headers=with_cookie(cookie)).status_code == 401


# --- security headers -------------------------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_secure_headers(r: httpx.Response) -> dict[str, list[str]]:
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    policy = directives(r.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    return policy


@pytest.fixture
def failing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/api/v1/boom-for-test", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("boom")

    # the SPA's catch-all route was registered first: put this one ahead of it
    app.router.routes.insert(0, app.router.routes.pop())
    return app


def test_every_kind_of_response_carries_the_security_headers(
    client: TestClient, user: User, failing_app: FastAPI
) -> None:
    answers = [
        client.get("/api/v1/health"),  # JSON
        client.get(ME),  # a problem (401)
        client.get("/api/v1/no-such-endpoint"),  # 404
        client.post(TOKEN, data={"username": user.username}),  # 422
        client.get("/"),  # the SPA (or its placeholder when not built)
        client.get("/tickets/5"),  # a history-mode route of the SPA
        client.get("/api/v1/openapi.json"),
    ]
    with TestClient(failing_app, raise_server_exceptions=False) as c:
        answers.append(c.get("/api/v1/boom-for-test"))  # answered by the outermost 500 handler
    assert answers[-1].status_code == 500
    for r in answers:
        policy = assert_secure_headers(r)
        assert policy["script-src"] == ["'self'"], r.request.url


def test_the_docs_page_allows_its_own_inline_script_by_hash_and_nothing_else_inline(
    client: TestClient,
) -> None:
    for path in ("/docs", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 200
        policy = assert_secure_headers(r)
        inline = re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL)
        assert inline
        for script in inline:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy["script-src"]
        if path == "/docs":
            assert "https://cdn.jsdelivr.net" in policy["script-src"]
            assert "https://cdn.jsdelivr.net" in policy["style-src"]
