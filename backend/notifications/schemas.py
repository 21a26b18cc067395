from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field

from backend.core.inputs import RequestBody
from backend.core.timefmt import LocalDateTime
from backend.models.enums import NotifyEmail
from backend.notifications.groups import NotificationGroup


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="The event's topic, e.g. ticket.dispatch or sla.reminder.")
    group: NotificationGroup = Field(
        description="The tab it is shown under (from its kind): todo 待办, overdue 超期, "
        "supervision 督办, other 其他."
    )
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


class UnreadByGroup(BaseModel):
    todo: int
    overdue: int
    supervision: int
    other: int


class NotificationBatch(BaseModel):
    kind: str = Field(description="The notices' kind, e.g. ticket.overdue.")
    group: NotificationGroup
    count: int = Field(description="How many notices of this kind the sweeps made today (≥ 2).")
    title: str = Field(description="e.g. 今日 23 件超期.")
    link: str = Field(description="The list in the web app that shows these tickets.")


class NotificationSummary(BaseModel):
    unread: UnreadByGroup
    batches: list[NotificationBatch] = Field(
        description="Today's (office time zone) notices made for the caller by the clock's "
        "sweeps, one line per kind where there are two or more."
    )


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
