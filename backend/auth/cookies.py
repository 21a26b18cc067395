"""The refresh token as a cookie, for the browser app.

A request asks for it with the header ``X-Huiyin-Auth: cookie`` (sign-in, refresh): the refresh
token is then set as an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` outside development)
whose path is the auth endpoints only, and left out of the JSON body, so no script ever reads it;
the access token stays in the body, for the app to keep in memory. Refresh reads the cookie only
with that header: a custom header cannot be sent cross-origin without a CORS preflight, which
this API never grants. Without the header everything is JSON, as for mobile and scripted clients.
"""

from __future__ import annotations

import math
from datetime import datetime

from fastapi import Response

from backend.config import Settings

REFRESH_COOKIE = "huiyin_refresh"
COOKIE_PATH = "/api/v1/auth"
MODE_HEADER = "X-Huiyin-Auth"
MODE_COOKIE = "cookie"


def _secure(settings: Settings) -> bool:
    # A development server is plain http://127.0.0.1, where a Secure cookie would never be sent.
    return settings.environment != "development"


def set_refresh(
    response: Response, settings: Settings, token: str, expires: datetime, now: datetime
) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=max(0, math.floor((expires - now).total_seconds())),
        path=COOKIE_PATH,
        secure=_secure(settings),
        httponly=True,
        samesite="strict",
    )


def clear_refresh(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=COOKIE_PATH,
        secure=_secure(settings),
        httponly=True,
        samesite="strict",
    )
