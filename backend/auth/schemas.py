from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from backend.core.inputs import RequestBody


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str | None = Field(
        description="Null when it was set as the HttpOnly cookie instead (X-Huiyin-Auth: cookie)."
    )
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(RequestBody):
    refresh_token: str = Field(min_length=1, max_length=4096)


class UnitRef(BaseModel):
    id: int
    kind: str
    name: str
    code: str


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: Literal["head", "staff"]
    is_admin: bool
    unit: UnitRef
