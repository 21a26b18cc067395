from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from backend.auth import service
from backend.auth.schemas import Me, RefreshRequest, TokenPair, UnitRef
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


@router.post("/auth/token", response_model=TokenPair)
async def login_for_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    work: WorkDep,
    passwords: Passwords,
    settings: SettingsDep,
    now: Now,
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
    return to_response(result.problem) if isinstance(result, service.LoginFailure) else result


@router.post("/auth/refresh", response_model=TokenPair)
def refresh_token(
    body: RefreshRequest, session: DbSession, settings: SettingsDep, now: Now
) -> TokenPair | Response:
    """Trade a refresh token for a new pair. Each refresh token works once."""
    result = service.refresh(session, settings, token=body.refresh_token, now=now)
    return to_response(result.problem) if isinstance(result, service.LoginFailure) else result


@router.post("/auth/logout", status_code=204)
def logout(principal: CurrentUser, session: DbSession, now: Now) -> Response:
    """End this session: its access and refresh tokens stop working at once."""
    service.logout(session, principal.session_id, now)
    return Response(status_code=204)


@router.get("/me", response_model=Me)
def get_me(principal: CurrentUser) -> Me:
    return Me(
        id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role,
        is_admin=principal.is_admin,
        unit=UnitRef(
            id=principal.unit_id,
            kind=principal.unit_kind,
            name=principal.unit_name,
            code=principal.unit_code,
        ),
    )
