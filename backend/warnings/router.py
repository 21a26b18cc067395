"""Concentration-warning endpoints. Thin: parse, call the service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from backend.core.inputs import Id
from backend.deps import CurrentSubject, DbSession, Now
from backend.errors import ProblemBody
from backend.models.enums import WarningKind, WarningStatus
from backend.warnings import service
from backend.warnings.schemas import (
    WarningDismiss,
    WarningInterview,
    WarningOut,
    WarningPage,
    WarningRuleCreate,
    WarningRuleOut,
    WarningRuleUpdate,
)

_problems: dict[int | str, dict[str, Any]] = {
    s: {"model": ProblemBody, "content": {"application/problem+json": {}}}
    for s in (401, 403, 404, 409, 422)
}
router = APIRouter(prefix="/warnings", tags=["warnings"], responses=_problems)


# The rules first: /warnings/rules must not be read as a warning id.
@router.get("/rules", response_model=list[WarningRuleOut])
def list_warning_rules(caller: CurrentSubject, session: DbSession) -> list[WarningRuleOut]:
    """The committee's rules (deleted ones are gone from here; their warnings stay)."""
    return service.list_rules(session, caller)


@router.post("/rules", response_model=WarningRuleOut, status_code=201)
def create_warning_rule(
    body: WarningRuleCreate, caller: CurrentSubject, session: DbSession, now: Now
) -> WarningRuleOut:
    return service.create_rule(session, caller, body, now)


@router.patch("/rules/{rule_id}", response_model=WarningRuleOut)
def update_warning_rule(
    rule_id: Id, body: WarningRuleUpdate, caller: CurrentSubject, session: DbSession, now: Now
) -> WarningRuleOut:
    """Change some fields; warnings raised already keep the figures they were raised with."""
    return service.update_rule(session, caller, rule_id, body, now)


@router.delete("/rules/{rule_id}", status_code=204)
def delete_warning_rule(
    rule_id: Id, caller: CurrentSubject, session: DbSession, now: Now
) -> Response:
    service.delete_rule(session, caller, rule_id, now)
    return Response(status_code=204)


@router.get("", response_model=WarningPage)
def list_warnings(
    caller: CurrentSubject,
    session: DbSession,
    status: WarningStatus | None = None,
    kind: WarningKind | None = None,
    department_id: Id | None = None,
    rule_id: Id | None = None,
    before: Annotated[Id | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> WarningPage:
    """Newest first. The committee sees every warning, a department its own; colleges none."""
    return service.list_warnings(
        session,
        caller,
        status=status,
        kind=kind,
        department_id=department_id,
        rule_id=rule_id,
        before=before,
        limit=limit,
    )


@router.get("/{warning_id}", response_model=WarningOut)
def get_warning(warning_id: Id, caller: CurrentSubject, session: DbSession) -> WarningOut:
    return service.get_warning(session, caller, warning_id)


@router.post("/{warning_id}/interview", response_model=WarningOut)
def record_warning_interview(
    warning_id: Id, body: WarningInterview, caller: CurrentSubject, session: DbSession, now: Now
) -> WarningOut:
    """The committee records the talk with the department (约谈)."""
    return service.interview(session, caller, warning_id, body, now)


@router.post("/{warning_id}/dismiss", response_model=WarningOut)
def dismiss_warning(
    warning_id: Id, body: WarningDismiss, caller: CurrentSubject, session: DbSession, now: Now
) -> WarningOut:
    """The committee decides no talk is needed, with a reason."""
    return service.dismiss(session, caller, warning_id, body, now)
