from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Header, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from backend.auth import cookies, service
from backend.auth.schemas import Me, RefreshRequest, TokenPair, UnitRef
from backend.config import Settings
from backend.deps import (
    CurrentUser,
    DbSession,
    Now,
    Passwords,
    SettingsDep,
    WorkDep,
    client_address,
)
from backend.errors import to_response

router = APIRouter(tags=["auth"])


async def get_cookie_mode(
    mode: Annotated[
        str | None,
        Header(
            alias=cookies.MODE_HEADER,
            description="`cookie`: the refresh token travels in an HttpOnly cookie scoped to "
            "/api/v1/auth, not in the JSON body (the browser app).",
        ),
    ] = None,
) -> bool:
    return (mode or "").strip().lower() == cookies.MODE_COOKIE


CookieMode = Annotated[bool, Depends(get_cookie_mode)]


def _answer(
    result: service.Issued | service.LoginFailure,
    settings: Settings,
    now: datetime,
    cookie_mode: bool,
    response: Response,
    *,
    failure_clears_cookie: bool = False,
) -> TokenPair | Response:
    if isinstance(result, service.LoginFailure):
        problem = to_response(result.problem)
        if cookie_mode and failure_clears_cookie:
            cookies.clear_refresh(problem, settings)  # a dead cookie would only come back
        return problem
    if not cookie_mode:
        return result.tokens
    token = result.tokens.refresh_token
    assert token is not None
    cookies.set_refresh(response, settings, token, result.refresh_expires, now)
    return result.tokens.model_copy(update={"refresh_token": None})


@router.post("/auth/token", response_model=TokenPair)
async def login_for_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    response: Response,
    work: WorkDep,
    passwords: Passwords,
    settings: SettingsDep,
    now: Now,
    cookie_mode: CookieMode,
) -> TokenPair | Response:
    """Sign in with username and password (OAuth2 password form)."""
    result = await service.login(
        work,
        passwords,
        settings,
        username=form.username,
        password=form.password,
        address=client_address(request),
        now=now,
    )
    return _answer(result, settings, now, cookie_mode, response)


@router.post("/auth/refresh", response_model=TokenPair)
def refresh_token(
    response: Response,
    session: DbSession,
    settings: SettingsDep,
    now: Now,
    cookie_mode: CookieMode,
    body: RefreshRequest | None = None,
    huiyin_refresh: Annotated[
        str | None,
        Cookie(max_length=4096, description="The refresh token, read with X-Huiyin-Auth: cookie."),
    ] = None,
) -> TokenPair | Response:
    """Trade a refresh token (the JSON body's, or the cookie's) for a new pair. Each refresh
    token works once."""
    token = body.refresh_token if body is not None else huiyin_refresh if cookie_mode else None
    if token is None:
        result: service.Issued | service.LoginFailure = service.invalid_refresh()
    else:
        result = service.refresh(session, settings, token=token, now=now)
    return _answer(result, settings, now, cookie_mode, response, failure_clears_cookie=True)


@router.post("/auth/logout", status_code=204)
def logout(user: CurrentUser, session: DbSession, settings: SettingsDep, now: Now) -> Response:
    """End this session: its access and refresh tokens stop working at once, and the refresh
    cookie (if any) is cleared."""
    assert user.session_id is not None  # a user always signs in with a session
    service.logout(session, user.session_id, now)
    response = Response(status_code=204)
    cookies.clear_refresh(response, settings)
    return response


@router.get("/me", response_model=Me)
def get_me(user: CurrentUser) -> Me:
    return Me(
        id=user.user_id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        is_admin=user.is_admin,
        unit=UnitRef(
            id=user.unit_id,
            kind=user.unit_kind,
            name=user.unit_name,
            code=user.unit_code,
        ),
    )
