from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import UploadFile
from pydantic import BaseModel, Field

from backend.core.inputs import Id, Instant, MultiLine, OneLine, RequestBody
from backend.models.enums import (
    Anonymity,
    Channel,
    ExtensionStatus,
    ReturnReason,
    RevisitMethod,
    RevisitOutcome,
    Status,
    Urgency,
)


class TicketCreate(RequestBody):
    title: OneLine = Field(min_length=2, max_length=200)
    content: MultiLine = Field(min_length=2, max_length=20000)
    category_id: Id | None = None
    urgency: Urgency = Urgency.normal
    anonymity: Anonymity = Anonymity.department
    channel: Channel | None = Field(
        default=None, description="Committee only: how the opinion reached it (on behalf)."
    )
    college_id: Id | None = Field(
        default=None, description="Committee only: the college the opinion comes from."
    )
    reporter_name: OneLine | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="On behalf (the committee, or a college head): the person the opinion is "
        "raised for (反映人), for the revisit. Not on fully anonymous tickets.",
    )
    contact: OneLine | None = Field(
        default=None,
        max_length=200,
        description="On behalf (the committee, or a college head): how to reach that person. "
        "Not on fully anonymous tickets.",
    )


class UnitBrief(BaseModel):
    id: int
    name: str
    code: str


class UserBrief(BaseModel):
    id: int
    display_name: str
    unit: UnitBrief | None = None


class CategoryBrief(BaseModel):
    id: int
    name: str


class ReplyOut(BaseModel):
    content: str
    replied_at: datetime
    department: UnitBrief | None


class RevisitOut(BaseModel):
    method: RevisitMethod
    outcome: RevisitOutcome
    note: str | None
    revisited_at: datetime


class ScoreOut(BaseModel):
    efficiency: int
    handling: int
    effect: int
    overall: int
    satisfied: bool
    comment: str | None
    scored_at: datetime
    via: str | None


class TicketRef(BaseModel):
    id: int
    code: str
    title: str
    status: Status


class TicketOut(BaseModel):
    id: int
    code: str
    title: str
    content: str
    status: Status
    urgency: Urgency
    anonymity: Anonymity
    channel: Channel
    category: CategoryBrief | None
    college: UnitBrief | None
    submitter: UserBrief | None = Field(
        description="Only where the caller may know who raised the ticket."
    )
    reporter_name: str | None = Field(
        default=None,
        description="On behalf: the person it is raised for. Only the committee and the college "
        "that raised it see it.",
    )
    contact: str | None = Field(
        default=None,
        description="On behalf: how to reach that person. Only the committee and the college "
        "that raised it see it.",
    )
    lead_department: UnitBrief | None
    assisting_departments: list[UnitBrief]
    handler: UserBrief | None
    dispatch_due_at: datetime | None
    accept_due_at: datetime | None
    reply_due_at: datetime | None
    revisit_due_at: datetime | None
    score_due_at: datetime | None
    overdue: bool
    reply: ReplyOut | None
    revisit: RevisitOut | None
    score: ScoreOut | None
    reject_reason: str | None
    merged_into: TicketRef | None = Field(
        description="A merged ticket: the root of its merge chain, whose reply, revisit and "
        "scoring window it shows (`reply`, `revisit`, `score_due_at`)."
    )
    return_count: int
    reopen_count: int
    extension_count: int
    urge_count: int
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[str]


class TicketCreated(TicketOut):
    tracking_code: str | None = Field(
        default=None,
        description="Only for fully anonymous tickets, shown once: the only way back to it.",
    )


class ExtensionOut(BaseModel):
    id: int
    days: int
    reason: str
    status: ExtensionStatus
    requested_by: UserBrief | None
    decided_at: datetime | None
    decision_note: str | None
    new_reply_due_at: datetime | None
    superseded_at: datetime | None = Field(
        description="superseded: when the ticket left `accepted` undecided."
    )
    superseded_by: str | None = Field(
        description="superseded: the ticket action that took it out of `accepted` (e.g. reply)."
    )
    created_at: datetime


class TicketListItem(BaseModel):
    id: int
    code: str
    title: str
    status: Status
    urgency: Urgency
    anonymity: Anonymity
    channel: Channel
    category_id: int | None
    college: UnitBrief | None
    lead_department: UnitBrief | None
    dispatch_due_at: datetime | None
    accept_due_at: datetime | None
    reply_due_at: datetime | None
    overdue: bool
    returned: bool = Field(description="A department has returned it to the committee (退单).")
    pending_extension: ExtensionOut | None = Field(
        description="Its undecided extension request; only where the caller may read the "
        "ticket's extensions (the committee and its departments)."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class TicketPage(BaseModel):
    items: list[TicketListItem]
    next_cursor: str | None = Field(description="Cursor mode: the next page's cursor, or null.")
    total: int | None = Field(
        description="Page mode (`page`): how many tickets match the filters on all pages; "
        "null in cursor mode."
    )


class TicketCounts(BaseModel):
    """How many tickets the caller may see, by state, and how many of them are overdue."""

    total: int
    overdue: int
    pending_extensions: int = Field(description="Tickets with an extension request to decide.")
    returned: int = Field(
        description="Returned by a department and waiting for re-dispatch "
        "(the list's `returned=true&status=submitted`)."
    )
    by_status: dict[Status, int]


class EventOut(BaseModel):
    id: int
    action: str
    from_status: Status | None
    to_status: Status | None
    actor: UserBrief | None = Field(description="Hidden where the actor is a hidden submitter.")
    actor_unit: UnitBrief | None
    note: str | None
    internal: bool
    data: dict[str, Any] | None
    created_at: datetime


# --- action bodies -------------------------------------------------------------------------


class DispatchBody(RequestBody):
    lead_department_id: Id
    assisting_department_ids: list[Id] = Field(default_factory=list, max_length=10)
    reply_due_at: Instant | None = Field(
        default=None, description="Override of the default reply deadline (aware timestamp)."
    )
    note: MultiLine | None = Field(default=None, max_length=2000)


class ReturnBody(RequestBody):
    reason_code: ReturnReason
    reason: MultiLine = Field(min_length=2, max_length=2000)


class NoteBody(RequestBody):
    content: MultiLine = Field(min_length=1, max_length=5000)
    internal: bool = False


class ExtensionBody(RequestBody):
    days: int = Field(ge=1, le=30)
    reason: MultiLine = Field(min_length=2, max_length=2000)


class ExtensionDecisionBody(RequestBody):
    approved: bool
    note: MultiLine | None = Field(default=None, max_length=2000)


class ReplyBody(RequestBody):
    content: MultiLine = Field(min_length=2, max_length=20000)


class RevisitBody(RequestBody):
    method: RevisitMethod
    outcome: RevisitOutcome
    note: MultiLine | None = Field(default=None, max_length=5000)


class ReopenBody(RequestBody):
    reason: MultiLine = Field(min_length=2, max_length=2000)
    reply_due_at: Instant | None = None


class ScoreBody(RequestBody):
    efficiency: int = Field(ge=1, le=5)
    handling: int = Field(ge=1, le=5)
    effect: int = Field(ge=1, le=5)
    comment: MultiLine | None = Field(default=None, max_length=2000)


class CloseBody(RequestBody):
    note: MultiLine | None = Field(default=None, max_length=2000)


class RejectBody(RequestBody):
    reason: MultiLine = Field(min_length=2, max_length=2000)


class MergeBody(RequestBody):
    primary_id: Id


class UrgeBody(RequestBody):
    note: MultiLine | None = Field(default=None, max_length=2000)


class AssignBody(RequestBody):
    handler_id: Id


class ReturnJudgementBody(RequestBody):
    reasonable: bool
    note: MultiLine | None = Field(default=None, max_length=2000)


class ReturnOut(BaseModel):
    id: int
    department: UnitBrief | None
    reason_code: ReturnReason
    reason: str
    reasonable: bool | None
    judgement_note: str | None
    judged_at: datetime | None
    created_at: datetime


class AttachmentUpload(RequestBody):
    file: UploadFile


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    created_at: datetime
