"""SLA policy endpoints: everyone signed in reads them, committee admins edit them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from backend.core.inputs import Id
from backend.deps import CommitteeAdmin, CurrentSubject, DbSession, Now
from backend.errors import ProblemBody
from backend.models.enums import Urgency
from backend.sla import service
from backend.sla.schemas import SlaLevels, SlaPolicyCreate, SlaPolicyOut, SlaPolicyUpdate

_problems: dict[int | str, dict[str, Any]] = {
    s: {"model": ProblemBody, "content": {"application/problem+json": {}}}
    for s in (401, 403, 404, 409, 422)
}
router = APIRouter(prefix="/sla-policies", tags=["sla"], responses=_problems)


@router.get("", response_model=list[SlaPolicyOut])
def list_sla_policies(_: CurrentSubject, session: DbSession) -> list[SlaPolicyOut]:
    """Every policy; wildcard (all-categories) policies first."""
    return service.list_policies(session)


@router.get("/effective", response_model=SlaLevels)
def get_effective_sla(
    _: CurrentSubject, session: DbSession, urgency: Urgency, category_id: Id | None = None
) -> SlaLevels:
    """The levels a ticket of this category and urgency gets: the most specific policy, field
    by field, then the defaults."""
    return service.effective_levels(session, category_id, urgency)


@router.post("", response_model=SlaPolicyOut, status_code=201)
def create_sla_policy(
    body: SlaPolicyCreate, admin: CommitteeAdmin, session: DbSession, now: Now
) -> SlaPolicyOut:
    return service.create_policy(session, admin, body, now)


@router.put("/{policy_id}", response_model=SlaPolicyOut)
def update_sla_policy(
    policy_id: Id, body: SlaPolicyUpdate, admin: CommitteeAdmin, session: DbSession, now: Now
) -> SlaPolicyOut:
    """Replace the policy's values (null inherits); its scope stays."""
    return service.update_policy(session, admin, policy_id, body, now)


@router.delete("/{policy_id}", status_code=204)
def delete_sla_policy(policy_id: Id, _: CommitteeAdmin, session: DbSession) -> Response:
    service.delete_policy(session, policy_id)
    return Response(status_code=204)
