from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.core.inputs import Id
from backend.deps import CurrentUser, DbSession, Now, SettingsDep
from backend.notifications import service, summary
from backend.notifications.groups import NotificationGroup
from backend.notifications.schemas import (
    MarkedRead,
    NotificationOut,
    NotificationPage,
    NotificationSummary,
    Preferences,
    PreferencesUpdate,
    UnreadCount,
)

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=NotificationPage)
def list_notifications(
    user: CurrentUser,
    session: DbSession,
    unread: Annotated[
        bool | None, Query(description="true: unread only; false: read only.")
    ] = None,
    group: Annotated[
        NotificationGroup | None,
        Query(description="Only this tab's notices (see NotificationOut.group)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> NotificationPage:
    """The caller's notifications, newest first, a page at a time (pass ``next_cursor`` back
    as ``cursor``, with the same filters)."""
    return service.list_notifications(
        session, user, unread=unread, limit=limit, cursor=cursor, group=group
    )


@router.get("/notifications/summary", response_model=NotificationSummary)
def get_notification_summary(
    user: CurrentUser, session: DbSession, settings: SettingsDep, now: Now
) -> NotificationSummary:
    """Unread notices per tab, and today's batches from the clock's sweeps (e.g. 今日 23 件超期)
    with the ticket list that shows them."""
    return summary.summarize(session, settings, user, now)


@router.get("/notifications/unread-count", response_model=UnreadCount)
def count_unread_notifications(user: CurrentUser, session: DbSession) -> UnreadCount:
    return UnreadCount(count=service.unread_count(session, user))


@router.post("/notifications/read-all", response_model=MarkedRead)
def mark_all_notifications_read(user: CurrentUser, session: DbSession, now: Now) -> MarkedRead:
    return MarkedRead(updated=service.mark_all_read(session, user, now))


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut)
def mark_notification_read(
    notification_id: Id, user: CurrentUser, session: DbSession, now: Now
) -> NotificationOut:
    """Mark one of the caller's notifications read (again is fine)."""
    return service.mark_read(session, user, notification_id, now)


@router.get("/me/preferences", response_model=Preferences, tags=["auth"])
def get_my_preferences(user: CurrentUser, session: DbSession) -> Preferences:
    """The caller's e-mail address and how they want notifications mailed."""
    return service.get_preferences(session, user)


@router.patch("/me/preferences", response_model=Preferences, tags=["auth"])
def update_my_preferences(
    body: PreferencesUpdate, user: CurrentUser, session: DbSession
) -> Preferences:
    """Change the caller's e-mail address (null removes it) or mail preference."""
    return service.update_preferences(session, user, body)
