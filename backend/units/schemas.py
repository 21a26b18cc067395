from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field

from backend.core.inputs import Id, OneLine, RequestBody
from backend.core.timefmt import LocalDateTime
from backend.models.enums import NotifyEmail, Role, UnitKind


class UnitCreate(RequestBody):
    kind: UnitKind
    name: OneLine = Field(min_length=1, max_length=100)
    code: OneLine = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")


class UnitUpdate(RequestBody):
    name: OneLine | None = Field(default=None, min_length=1, max_length=100)
    code: OneLine | None = Field(
        default=None, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$"
    )
    is_active: bool | None = None


class UnitOut(BaseModel):
    id: int
    kind: UnitKind
    name: str
    code: str
    is_active: bool


class UserCreate(RequestBody):
    username: OneLine = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: OneLine = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=128)
    unit_id: Id
    role: Role = Role.staff
    is_admin: bool = False
    email: EmailStr | None = None
    notify_email: NotifyEmail = NotifyEmail.each


class UserUpdate(RequestBody):
    display_name: OneLine | None = Field(default=None, min_length=1, max_length=100)
    role: Role | None = None
    unit_id: Id | None = None
    is_active: bool | None = None
    is_admin: bool | None = None
    email: EmailStr | None = None
    notify_email: NotifyEmail | None = None
    password: str | None = Field(default=None, min_length=8, max_length=128)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    is_admin: bool
    is_active: bool
    email: str | None
    notify_email: NotifyEmail
    unit: UnitOut
    created_at: LocalDateTime


class CategoryCreate(RequestBody):
    name: OneLine = Field(min_length=1, max_length=100)
    default_department_id: Id | None = None


class CategoryUpdate(RequestBody):
    name: OneLine | None = Field(default=None, min_length=1, max_length=100)
    default_department_id: Id | None = None
    is_active: bool | None = None


class CategoryOut(BaseModel):
    id: int
    name: str
    default_department_id: int | None
    is_active: bool
