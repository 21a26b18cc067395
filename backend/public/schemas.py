from __future__ import annotations

from datetime import datetime

from fastapi import UploadFile
from pydantic import BaseModel, Field

from backend.core.inputs import Id, MultiLine, OneLine, RequestBody
from backend.models.enums import RevisitOutcome, Status


class PublicTicketCreate(RequestBody):
    title: OneLine = Field(min_length=2, max_length=200)
    content: MultiLine = Field(min_length=2, max_length=20000)
    contact: OneLine | None = Field(
        default=None,
        max_length=200,
        description="Optional phone or e-mail so the committee can check back (回访). Only the "
        "committee sees it.",
    )
    category_id: Id | None = None


class PublicTicketCreated(BaseModel):
    code: str = Field(description="The tracking code (查询码): keep it, it is shown only once.")
    ticket_code: str
    status: Status
    created_at: datetime


class PublicReply(BaseModel):
    content: str
    replied_at: datetime
    department: str | None


class PublicScore(BaseModel):
    efficiency: int
    handling: int
    effect: int
    comment: str | None
    scored_at: datetime


class PublicTicket(BaseModel):
    ticket_code: str
    title: str
    content: str
    status: Status = Field(
        description="A merged ticket shows the state of the ticket it follows (revisited while "
        "it may be scored), until its own score closes it."
    )
    created_at: datetime
    updated_at: datetime
    reply: PublicReply | None
    revisit_outcome: RevisitOutcome | None
    reject_reason: str | None
    score: PublicScore | None
    can_score: bool
    merged_into: str | None = Field(
        description="When merged, the answer shown is that of the root of its merge chain; "
        "this is its code. The score is the ticket's own."
    )
    photos: int = Field(description="How many photos were added to the ticket by its code.")


class PublicPhotoUpload(RequestBody):
    file: UploadFile = Field(description="A JPEG, PNG or WebP picture (checked by content).")


class PublicPhoto(BaseModel):
    id: int
    filename: str = Field(description="A neutral name (photo-1.jpg): the sent name is not kept.")
    content_type: str
    size: int = Field(description="Bytes stored: the picture encoded again without metadata.")
