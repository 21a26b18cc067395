from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from backend.auth import service
from backend.auth.schemas import Me, RefreshRequest, TokenPair, UnitRef
from backend.deps import CurrentUser, DbSession, Now, SettingsDep, client_address
from backend.errors import to_response

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenPair)
def login_for_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    now: Now,
) -> TokenPair | Response:
    """Sign in with username and password (OAuth2 password form)."""
    result = service.login(
        session,
        settings,
        username=form.username,
        password=form.password,
        address=client_address(request),
        now=now,
    )
    return to_response(result.problem) if isinstance(result, service.LoginFailure) else result


@router.post("/auth/refresh", response_model=TokenPair)
def refresh_token(
    body: RefreshRequest, session: DbSession, settings: SettingsDep, now: Now
) -> TokenPair | Response:
    """Trade a refresh token for a new pair. Each refresh token works once."""
    result = service.refresh(session, settings, token=body.refresh_token, now=now)
    return to_response(result.problem) if isinstance(result, service.LoginFailure) else result


@router.post("/auth/logout", status_code=204)
def logout(user: CurrentUser, session: DbSession, now: Now) -> Response:
    """End this session: its access and refresh tokens stop working at once."""
    assert user.session_id is not None  # a user always signs in with a session
    service.logout(session, user.session_id, now)
    return Response(status_code=204)


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
