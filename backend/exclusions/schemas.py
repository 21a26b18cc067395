from __future__ import annotations

from pydantic import BaseModel, Field

from backend.core.inputs import Id, MultiLine, RequestBody
from backend.core.timefmt import LocalDateTime
from backend.models.exclusions import ExclusionReason, ExclusionStatus
from backend.tickets.schemas import TicketRef, UnitBrief, UserBrief


class ExclusionCreate(RequestBody):
    ticket_id: Id
    department_id: Id | None = Field(
        default=None,
        description="The department whose rates the ticket leaves. A department asks for itself "
        "(omit it, or give its own id); the committee names the department, by default the "
        "ticket's lead department.",
    )
    reason_kind: ExclusionReason
    reason: MultiLine = Field(min_length=1, max_length=2000)


class ExclusionDecision(RequestBody):
    approved: bool
    note: MultiLine | None = Field(default=None, max_length=2000)


class ExclusionOut(BaseModel):
    id: int
    ticket: TicketRef
    department: UnitBrief
    reason_kind: ExclusionReason
    reason: str
    status: ExclusionStatus
    direct: bool = Field(description="Excluded by the committee itself, without a request.")
    requested_by: UserBrief | None = Field(
        description="Who asked (the department head), or who excluded directly."
    )
    decided_by: UserBrief | None
    decided_at: LocalDateTime | None
    decision_note: str | None
    created_at: LocalDateTime
    allowed_actions: list[str]


class ExclusionPage(BaseModel):
    items: list[ExclusionOut]
    total: int = Field(description="How many exclusions match the filters on all pages.")
