from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.core.inputs import Id, OneLine
from backend.deps import CommitteeAdmin, CurrentSubject, DbSession, Now
from backend.models.enums import UnitKind
from backend.units import service
from backend.units.schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryUpdate,
    UnitCreate,
    UnitOut,
    UnitUpdate,
    UserCreate,
    UserOut,
    UserUpdate,
)

router = APIRouter()


@router.get("/units", response_model=list[UnitOut], tags=["units"])
def list_units(
    _: CurrentSubject,
    session: DbSession,
    kind: UnitKind | None = None,
    include_inactive: bool = False,
) -> list[UnitOut]:
    return service.list_units(session, kind, include_inactive)


@router.post("/units", response_model=UnitOut, status_code=201, tags=["units"])
def create_unit(body: UnitCreate, _: CommitteeAdmin, session: DbSession) -> UnitOut:
    return service.create_unit(session, body)


@router.patch("/units/{unit_id}", response_model=UnitOut, tags=["units"])
def update_unit(unit_id: Id, body: UnitUpdate, _: CommitteeAdmin, session: DbSession) -> UnitOut:
    return service.update_unit(session, unit_id, body)


@router.get("/users", response_model=list[UserOut], tags=["users"])
def list_users(
    caller: CurrentSubject,
    session: DbSession,
    unit_id: Id | None = None,
    q: Annotated[OneLine | None, Query(max_length=64)] = None,
) -> list[UserOut]:
    """Committee members see everyone; others see the people of their own unit."""
    return service.list_users(session, caller, unit_id, q)


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def create_user(body: UserCreate, _: CommitteeAdmin, session: DbSession) -> UserOut:
    return service.create_user(session, body)


@router.patch("/users/{user_id}", response_model=UserOut, tags=["users"])
def update_user(
    user_id: Id, body: UserUpdate, caller: CommitteeAdmin, session: DbSession, now: Now
) -> UserOut:
    """Change role, unit, admin flag or e-mail; deactivate; reset the password. Deactivating,
    moving or resetting ends the user's sessions at once."""
    return service.update_user(session, caller, user_id, body, now)


@router.get("/categories", response_model=list[CategoryOut], tags=["categories"])
def list_categories(
    _: CurrentSubject, session: DbSession, include_inactive: bool = False
) -> list[CategoryOut]:
    return service.list_categories(session, include_inactive)


@router.post("/categories", response_model=CategoryOut, status_code=201, tags=["categories"])
def create_category(body: CategoryCreate, _: CommitteeAdmin, session: DbSession) -> CategoryOut:
    return service.create_category(session, body)


@router.patch("/categories/{category_id}", response_model=CategoryOut, tags=["categories"])
def update_category(
    category_id: Id, body: CategoryUpdate, _: CommitteeAdmin, session: DbSession
) -> CategoryOut:
    return service.update_category(session, category_id, body)
