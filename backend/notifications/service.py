"""Notification rules: making them (with their mail), the inbox, and mail preferences."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.subject import Subject
from backend.config import Settings
from backend.core.inputs import id_in_range
from backend.core.paging import newest_first
from backend.errors import ProblemCode, invalid, not_found
from backend.mail import templates
from backend.mail.handlers import queue_mail
from backend.models import Notification, User, table
from backend.models.enums import MailState, NotifyEmail
from backend.notifications.fanout import Audience
from backend.notifications.groups import NotificationGroup, group_of, in_group
from backend.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    Preferences,
    PreferencesUpdate,
)

_notifications = table(Notification)


def mail_state(settings: Settings, user: User) -> MailState:
    """How a new notification for ``user`` goes out by mail."""
    if not settings.mail_enabled or not user.email:
        return MailState.none
    match user.notify_email:
        case NotifyEmail.each:
            return MailState.queued
        case NotifyEmail.digest:
            return MailState.digest
    return MailState.none


def notify(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    kind: str,
    audiences: Sequence[Audience],
    ticket_id: int | None = None,
    source_id: int | None = None,
    exclude: set[int] | None = None,
) -> list[Notification]:
    """Write each audience's notice for its users (once per user: the first audience that names
    a user wins) and queue the mail of those who want each notice mailed."""
    seen: set[int] = set(exclude or ())
    wanted: list[tuple[int, Audience]] = []
    for audience in audiences:
        for uid in sorted(audience.user_ids - seen):
            seen.add(uid)
            wanted.append((uid, audience))
    if not wanted:
        return []
    users = {
        u.id: u
        for u in session.execute(
            sa.select(User).where(col(User.id).in_([uid for uid, _ in wanted]))
        ).scalars()
    }
    made: list[tuple[Notification, User]] = []
    for uid, audience in wanted:
        user = users[uid]
        n = Notification(
            user_id=uid,
            kind=kind,
            title=audience.notice.title,
            body=audience.notice.body,
            link=audience.notice.link,
            ticket_id=ticket_id,
            source_id=source_id,
            mail=mail_state(settings, user).value,
            created_at=now,
        )
        session.add(n)
        made.append((n, user))
    session.flush()
    for n, user in made:
        if n.mail == MailState.queued:
            assert user.email is not None
            subject, body = templates.single(
                settings.public_base_url,
                user.display_name,
                templates.MailItem(n.title, n.body, n.link),
            )
            queue_mail(
                session,
                settings,
                now,
                to=user.email,
                subject=subject,
                body=body,
                user_id=user.id,
                notification_ids=[n.id],
            )
    session.flush()
    return [n for n, _ in made]


# --- the inbox -------------------------------------------------------------------------------


def _out(n: Notification) -> NotificationOut:
    assert n.id is not None
    return NotificationOut(
        id=n.id,
        kind=n.kind,
        group=group_of(n.kind),
        title=n.title,
        body=n.body,
        link=n.link,
        ticket_id=n.ticket_id,
        created_at=n.created_at,
        read_at=n.read_at,
    )


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        last_id = int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except ValueError as exc:
        raise invalid(ProblemCode.bad_cursor, "The cursor is not valid.") from exc
    if not id_in_range(last_id):
        raise invalid(ProblemCode.bad_cursor, "The cursor is not valid.")
    return last_id


def list_notifications(
    session: Session,
    p: Subject,
    *,
    unread: bool | None,
    limit: int,
    cursor: str | None,
    group: NotificationGroup | None = None,
) -> NotificationPage:
    """Newest first, a page at a time (keyset on id)."""
    q = sa.select(Notification).where(col(Notification.user_id) == p.user_id)
    if group is not None:
        q = q.where(in_group(_notifications.c.kind, group))
    if unread is True:
        q = q.where(col(Notification.read_at).is_(None))
    elif unread is False:
        q = q.where(col(Notification.read_at).is_not(None))
    before = _decode_cursor(cursor) if cursor else None
    rows, last = newest_first(session, q, col(Notification.id), before, limit)
    return NotificationPage(
        items=[_out(n) for n in rows],
        next_cursor=_encode_cursor(last) if last is not None else None,
    )


def unread_count(session: Session, p: Subject) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(_notifications)
            .where(_notifications.c.user_id == p.user_id, _notifications.c.read_at.is_(None))
        ).scalar_one()
    )


def mark_read(session: Session, p: Subject, notification_id: int, now: datetime) -> NotificationOut:
    n = session.get(Notification, notification_id)
    # Somebody else's notification does not exist for the caller.
    if n is None or n.user_id != p.user_id:
        raise not_found("notification")
    if n.read_at is None:
        n.read_at = now
        session.flush()
    return _out(n)


def mark_all_read(session: Session, p: Subject, now: datetime) -> int:
    result = session.execute(
        _notifications.update()
        .where(_notifications.c.user_id == p.user_id, _notifications.c.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- preferences -----------------------------------------------------------------------------


def _prefs(user: User) -> Preferences:
    return Preferences(email=user.email, notify_email=NotifyEmail(user.notify_email))


def get_preferences(session: Session, p: Subject) -> Preferences:
    user = session.get(User, p.user_id)
    if user is None:
        raise not_found("user")
    return _prefs(user)


def update_preferences(session: Session, p: Subject, body: PreferencesUpdate) -> Preferences:
    user = session.get(User, p.user_id)
    if user is None:
        raise not_found("user")
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "email" in fields:
        user.email = str(body.email) if body.email else None
    if body.notify_email is not None:
        user.notify_email = body.notify_email.value
    session.flush()
    return _prefs(user)
