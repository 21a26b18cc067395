from __future__ import annotations

from pydantic import BaseModel, Field

from backend.core.inputs import Id, Instant, MultiLine, RequestBody
from backend.core.timefmt import LocalDateTime
from backend.models.enums import SupervisionStatus
from backend.tickets.schemas import TicketRef, UnitBrief, UserBrief


class SupervisionCreate(RequestBody):
    ticket_id: Id
    reason: MultiLine = Field(min_length=1, max_length=2000)
    deadline: Instant | None = Field(
        default=None,
        description="The department's new deadline; default: supervision_deadline_days "
        "working days from now.",
    )


class SupervisionAcknowledge(RequestBody):
    plan: MultiLine = Field(
        min_length=1, max_length=5000, description="整改措施: what will be done."
    )


class SupervisionClose(RequestBody):
    note: MultiLine | None = Field(default=None, max_length=2000)


class SupervisionOut(BaseModel):
    id: int
    ticket: TicketRef
    department: UnitBrief
    reason: str
    deadline: LocalDateTime
    overdue: bool = Field(description="Open and past its deadline.")
    auto: bool = Field(description="Raised by the overdue sweep, not by a person.")
    raised_by: UserBrief | None
    status: SupervisionStatus
    plan: str | None
    acknowledged_by: UserBrief | None
    acknowledged_at: LocalDateTime | None
    closed_by: UserBrief | None
    closed_at: LocalDateTime | None
    close_note: str | None
    void_reason: str | None = Field(
        description="void: the ticket action that ended the order (return, reject, withdraw, "
        "merge) when the department let go of the ticket."
    )
    voided_at: LocalDateTime | None
    voided_by_event_id: int | None = Field(description="The ticket event that ended it.")
    created_at: LocalDateTime
    allowed_actions: list[str]


class SupervisionPage(BaseModel):
    items: list[SupervisionOut]
    next_cursor: int | None = Field(description="Pass as `before` for the next page.")
