from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field

from backend.core.inputs import RequestBody
from backend.core.timefmt import LocalDateTime
from backend.models.enums import NotifyEmail


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="The event's topic, e.g. ticket.dispatch or sla.reminder.")
    title: str
    body: str
    link: str | None = Field(description="A path in the web app, e.g. /tickets/12.")
    ticket_id: int | None
    created_at: LocalDateTime
    read_at: LocalDateTime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCount(BaseModel):
    count: int


class MarkedRead(BaseModel):
    updated: int = Field(description="How many notifications were unread and are now read.")


class Preferences(BaseModel):
    email: str | None
    notify_email: NotifyEmail = Field(
        description="each: a mail per notification; digest: one mail a day; none: no mail."
    )


class PreferencesUpdate(RequestBody):
    email: EmailStr | None = Field(default=None, description="null removes the address.")
    notify_email: NotifyEmail | None = None
