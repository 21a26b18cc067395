"""The daily digest: one mail per ``digest`` user with every notice since their last one."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.calendar.service import cached_calendar
from backend.config import Settings
from backend.mail import templates
from backend.mail.handlers import queue_mail
from backend.models import Notification, User, table
from backend.models.enums import MailState, NotifyEmail
from backend.worker.registry import current_settings, register_sweep

_notifications = table(Notification)


def digest_cutoff(settings: Settings, now: datetime) -> datetime:
    """The latest digest time (digest_hour local) at or before ``now``."""
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    cutoff = datetime.combine(local.date(), time(settings.digest_hour), tzinfo=tz)
    if cutoff > local:
        cutoff -= timedelta(days=1)
    return cutoff


def send_digests(session: Session, now: datetime, settings: Settings | None = None) -> int:
    """Queue the digests due at ``now``; returns how many mails were queued.

    Notices made before the latest digest time go out together; later ones wait for the next
    day. Digests are made in office hours only, at the first sweep at or after the digest time
    that falls inside them: after a weekend one digest covers it, not one a day. Claiming the
    notices with one conditional UPDATE makes concurrent sweeps safe: a notice moves from
    ``digest`` to ``digested`` in exactly one of them.
    """
    settings = settings or current_settings()
    if not cached_calendar(session, settings).in_office(now):
        return 0
    cutoff = digest_cutoff(settings, now)
    claimed = session.execute(
        _notifications.update()
        .where(
            _notifications.c.mail == MailState.digest.value,
            _notifications.c.created_at < cutoff,
        )
        .values(mail=MailState.digested.value)
        .returning(_notifications.c.id, _notifications.c.user_id)
    ).all()
    if not claimed:
        return 0
    by_user: dict[int, list[int]] = defaultdict(list)
    for nid, uid in claimed:
        by_user[uid].append(nid)
    users = {
        u.id: u for u in session.execute(sa.select(User).where(col(User.id).in_(by_user))).scalars()
    }
    queued = 0
    for uid, ids in sorted(by_user.items()):
        user = users[uid]
        mail_off = not (settings.mail_enabled and user.email and user.is_active)
        # Also when the user switched mail off since: these notices stay in the inbox only.
        if mail_off or user.notify_email == NotifyEmail.none:
            session.execute(
                _notifications.update()
                .where(_notifications.c.id.in_(ids))
                .values(mail=MailState.none.value)
            )
            continue
        assert user.email is not None
        rows = session.execute(
            sa.select(Notification)
            .where(col(Notification.id).in_(ids))
            .order_by(col(Notification.id))
        ).scalars()
        items = [templates.MailItem(n.title, n.body, n.link) for n in rows]
        subject, body = templates.digest(settings.public_base_url, user.display_name, items)
        queue_mail(
            session,
            settings,
            now,
            to=user.email,
            subject=subject,
            body=body,
            user_id=uid,
            notification_ids=sorted(ids),
        )
        queued += 1
    session.flush()
    return queued


def digest_sweep(session: Session, now: datetime) -> int:
    return send_digests(session, now)


register_sweep("notifications.digest", digest_sweep)
