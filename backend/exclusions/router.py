"""Exclusion (核减) endpoints. Thin: parse, call the service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from backend.core.inputs import Id
from backend.deps import CurrentSubject, DbSession, Now
from backend.errors import ProblemBody
from backend.exclusions import service
from backend.exclusions.schemas import (
    ExclusionCreate,
    ExclusionDecision,
    ExclusionOut,
    ExclusionPage,
)
from backend.models.exclusions import ExclusionStatus

_problems: dict[int | str, dict[str, Any]] = {
    s: {"model": ProblemBody, "content": {"application/problem+json": {}}}
    for s in (401, 403, 404, 409, 422)
}
router = APIRouter(prefix="/exclusions", tags=["exclusions"], responses=_problems)


@router.get("", response_model=ExclusionPage)
def list_exclusions(
    caller: CurrentSubject,
    session: DbSession,
    department_id: Id | None = None,
    status: ExclusionStatus | None = None,
    ticket_id: Id | None = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="Numbered pages, from 1.")] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ExclusionPage:
    """Newest first. The committee sees every exclusion, a department its own; colleges none."""
    return service.list_exclusions(
        session,
        caller,
        department_id=department_id,
        status=status,
        ticket_id=ticket_id,
        page=page,
        limit=limit,
    )


@router.post("", response_model=ExclusionOut, status_code=201)
def create_exclusion(
    body: ExclusionCreate, caller: CurrentSubject, session: DbSession, now: Now
) -> ExclusionOut:
    """A department head asks to leave a ticket the department leads or led out of its rates
    (pending); the committee excludes directly (approved at once)."""
    return service.create(session, caller, body, now)


@router.get("/{exclusion_id}", response_model=ExclusionOut)
def get_exclusion(exclusion_id: Id, caller: CurrentSubject, session: DbSession) -> ExclusionOut:
    return service.get_exclusion(session, caller, exclusion_id)


@router.post("/{exclusion_id}/decision", response_model=ExclusionOut)
def decide_exclusion(
    exclusion_id: Id,
    body: ExclusionDecision,
    caller: CurrentSubject,
    session: DbSession,
    now: Now,
) -> ExclusionOut:
    """The committee approves or rejects a pending request, once."""
    return service.decide(session, caller, exclusion_id, body, now)
