"""Supervision order endpoints. Thin: parse, call the service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from backend.core.inputs import Id
from backend.deps import CurrentSubject, DbSession, Now, SettingsDep
from backend.errors import ProblemBody
from backend.models.enums import SupervisionStatus
from backend.supervision import service
from backend.supervision.schemas import (
    SupervisionAcknowledge,
    SupervisionClose,
    SupervisionCreate,
    SupervisionOut,
    SupervisionPage,
)

_problems: dict[int | str, dict[str, Any]] = {
    s: {"model": ProblemBody, "content": {"application/problem+json": {}}}
    for s in (401, 403, 404, 409, 422)
}
router = APIRouter(prefix="/supervision-orders", tags=["supervision"], responses=_problems)


@router.get("", response_model=SupervisionPage)
def list_supervision_orders(
    caller: CurrentSubject,
    session: DbSession,
    now: Now,
    status: SupervisionStatus | None = None,
    ticket_id: Id | None = None,
    department_id: Id | None = None,
    before: Annotated[Id | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SupervisionPage:
    """Newest first. The committee sees every order, a department its own; colleges none."""
    return service.list_orders(
        session,
        caller,
        now,
        status=status,
        ticket_id=ticket_id,
        department_id=department_id,
        before=before,
        limit=limit,
    )


@router.post("", response_model=SupervisionOut, status_code=201)
def raise_supervision_order(
    body: SupervisionCreate,
    caller: CurrentSubject,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
) -> SupervisionOut:
    """The committee raises an order by hand on a ticket a department holds."""
    return service.create_order(session, caller, body, now, settings)


@router.get("/{order_id}", response_model=SupervisionOut)
def get_supervision_order(
    order_id: Id, caller: CurrentSubject, session: DbSession, now: Now
) -> SupervisionOut:
    return service.get_order(session, caller, order_id, now)


@router.post("/{order_id}/acknowledge", response_model=SupervisionOut)
def acknowledge_supervision_order(
    order_id: Id,
    body: SupervisionAcknowledge,
    caller: CurrentSubject,
    session: DbSession,
    now: Now,
) -> SupervisionOut:
    """The supervised department's head answers with a rectification plan (整改措施)."""
    return service.acknowledge(session, caller, order_id, body, now)


@router.post("/{order_id}/close", response_model=SupervisionOut)
def close_supervision_order(
    order_id: Id, body: SupervisionClose, caller: CurrentSubject, session: DbSession, now: Now
) -> SupervisionOut:
    """The committee closes an acknowledged order once the ticket is answered (replied or
    later)."""
    return service.close(session, caller, order_id, body, now)
