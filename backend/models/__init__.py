"""All tables, in one module so that domain packages can import them without cycles.

States, kinds and roles are stored as plain strings (see the enums in :mod:`backend.models.enums`)
so that the database stays readable and migrations stay trivial when a value is added.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.types import UTCDateTime, utcnow

__all__ = [
    "AssignmentFact",
    "Attachment",
    "AuthSession",
    "CalendarDay",
    "Category",
    "ConcentrationWarning",
    "Extension",
    "IdempotencyRecord",
    "Notification",
    "OfficeHoursSetting",
    "OutboxDelivery",
    "OutboxMessage",
    "RateBucket",
    "RefreshToken",
    "SlaMark",
    "SlaPolicy",
    "SlaWatermark",
    "SupervisionOrder",
    "Ticket",
    "TicketDepartment",
    "TicketEvent",
    "TicketReturn",
    "Unit",
    "User",
    "WarningRule",
    "metadata",
    "table",
]

metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False))


class Unit(SQLModel, table=True):
    __tablename__ = "units"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # committee | department | college
    name: str = Field(max_length=100, unique=True)
    code: str = Field(max_length=32, unique=True)
    is_active: bool = True
    created_at: datetime = _created()


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    unit_id: int = Field(foreign_key="units.id", index=True)
    role: str = Field(default="staff", max_length=8)  # head | staff
    is_admin: bool = False
    email: str | None = Field(default=None, max_length=254)
    # each | digest | none (backend.models.enums.NotifyEmail)
    notify_email: str = Field(
        default="each", max_length=8, sa_column_kwargs={"server_default": "each"}
    )
    is_active: bool = True
    created_at: datetime = _created()


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    default_department_id: int | None = Field(default=None, foreign_key="units.id")
    is_active: bool = True


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        sa.Index("ix_tickets_created", "created_at", "id"),
        sa.Index("ix_tickets_status_created", "status", "created_at", "id"),
        sa.Index("ix_tickets_college_created", "college_id", "created_at", "id"),
        sa.Index("ix_tickets_submitter_created", "submitter_id", "created_at", "id"),
        sa.Index("ix_tickets_updated", "updated_at", "id"),
        sa.Index("ix_tickets_due", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    title: str = Field(max_length=200)
    content: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    status: str = Field(max_length=16)
    urgency: str = Field(default="normal", max_length=16)
    anonymity: str = Field(default="department", max_length=16)
    channel: str = Field(default="web", max_length=16)
    category_id: int | None = Field(default=None, foreign_key="categories.id")
    college_id: int | None = Field(default=None, foreign_key="units.id")
    # NULL for fully anonymous and on-behalf tickets: nobody can be led back from the row.
    submitter_id: int | None = Field(default=None, foreign_key="users.id")
    recorded_by_id: int | None = Field(default=None, foreign_key="users.id")
    # On behalf (the committee, or a college head): the person it is raised for and how to reach
    # them, for the revisit. Shown to the committee and the raising college only.
    reporter_name: str | None = Field(default=None, max_length=50)
    contact: str | None = Field(default=None, max_length=200)
    tracking_code_hash: str | None = Field(default=None, max_length=64, unique=True)

    lead_department_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    handler_id: int | None = Field(default=None, foreign_key="users.id")

    # The deadline of whoever holds the ticket now (see backend.tickets.views.DUE_FIELD):
    # one indexed column, so "overdue" is a range scan, not a scan of the table.
    due_at: datetime | None = _ts()
    dispatch_due_at: datetime | None = _ts()
    accept_due_at: datetime | None = _ts()
    reply_due_at: datetime | None = _ts()
    revisit_due_at: datetime | None = _ts()
    score_due_at: datetime | None = _ts()
    dispatched_at: datetime | None = _ts()
    accepted_at: datetime | None = _ts()
    replied_at: datetime | None = _ts()
    revisited_at: datetime | None = _ts()
    closed_at: datetime | None = _ts()

    reply_content: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    reply_department_id: int | None = Field(default=None, foreign_key="units.id")
    revisit_method: str | None = Field(default=None, max_length=16)
    revisit_outcome: str | None = Field(default=None, max_length=16)
    revisit_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    reject_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    close_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    merged_into_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    # The root of the merge chain (merged_into_id followed to a ticket that is not merged): the
    # ticket whose answer this one follows. Kept current by backend.tickets.roots; NULL unless
    # merged (a merged ticket keeps it once it is scored and closed).
    merge_root_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)

    score_efficiency: int | None = None
    score_handling: int | None = None
    score_effect: int | None = None
    score_overall: int | None = None  # mean of the three, rounded half up
    score_comment: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    scored_at: datetime | None = _ts()
    scored_via: str | None = Field(default=None, max_length=16)  # college | code | committee

    return_count: int = 0
    reopen_count: int = 0
    extension_count: int = 0
    urge_count: int = 0

    created_at: datetime = _created()
    updated_at: datetime = _created()
    version: int = 1


class TicketDepartment(SQLModel, table=True):
    """Every department that is or was lead or assisting on a ticket: the departments' scope."""

    __tablename__ = "ticket_departments"
    __table_args__ = (sa.Index("ix_ticket_departments_department", "department_id", "ticket_id"),)

    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    department_id: int = Field(foreign_key="units.id", primary_key=True)
    role: str = Field(max_length=8)  # lead | assist
    active: bool = True
    created_at: datetime = _created()


class TicketEvent(SQLModel, table=True):
    __tablename__ = "ticket_events"
    __table_args__ = (sa.Index("ix_ticket_events_ticket", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor_unit_id: int | None = Field(default=None, foreign_key="units.id")
    # The actor is the ticket's submitter: hidden wherever the submitter is hidden.
    by_submitter: bool = False
    internal: bool = False  # visible to the committee and departments only
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    data: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON()))
    created_at: datetime = _created()


class TicketReturn(SQLModel, table=True):
    __tablename__ = "ticket_returns"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    department_id: int = Field(foreign_key="units.id")
    returned_by_id: int = Field(foreign_key="users.id")
    reason_code: str = Field(max_length=32)
    reason: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    reasonable: bool | None = None
    judged_by_id: int | None = Field(default=None, foreign_key="users.id")
    judged_at: datetime | None = _ts()
    judgement_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    created_at: datetime = _created()


class Extension(SQLModel, table=True):
    __tablename__ = "extensions"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    department_id: int = Field(foreign_key="units.id")
    requested_by_id: int = Field(foreign_key="users.id")
    days: int
    reason: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    status: str = Field(default="pending", max_length=16)  # ExtensionStatus
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = _ts()
    decision_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    # superseded: the ticket action that took the ticket out of `accepted`, and its event.
    superseded_at: datetime | None = _ts()
    superseded_by: str | None = Field(default=None, max_length=32)
    superseded_by_event_id: int | None = Field(default=None, foreign_key="ticket_events.id")
    previous_reply_due_at: datetime | None = _ts()
    new_reply_due_at: datetime | None = _ts()
    created_at: datetime = _created()


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=255)
    uploaded_by_id: int | None = Field(default=None, foreign_key="users.id")
    by_submitter: bool = False
    created_at: datetime = _created()


class CalendarDay(SQLModel, table=True):
    """The committee's own overrides of the national calendar: closures and extra duty days."""

    __tablename__ = "calendar_days"

    day: date = Field(primary_key=True)
    is_workday: bool
    note: str | None = Field(default=None, max_length=200)
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = _created()


class OfficeHoursSetting(SQLModel, table=True):
    """The committee's office hours (one row, id 1; none means the defaults, 08:30–17:30).
    Deadlines and the notices they cause fall inside them (DOMAIN.md, "Deadlines")."""

    __tablename__ = "office_hours"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(default=1, primary_key=True)
    opens: time
    closes: time
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = _created()


class AuthSession(SQLModel, table=True):
    """A login. Revoking it (logout, refresh reuse, deactivation) kills its access and refresh
    tokens at once: this table is the revocation list."""

    __tablename__ = "auth_sessions"

    id: str = Field(primary_key=True, max_length=36)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = _created()
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = _ts()
    revoked_reason: str | None = Field(default=None, max_length=32)


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_tokens"

    jti: str = Field(primary_key=True, max_length=36)
    session_id: str = Field(foreign_key="auth_sessions.id", index=True)
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = _ts()


class RateBucket(SQLModel, table=True):
    """Fixed-window counters shared by every replica (login failures, public channel)."""

    __tablename__ = "rate_buckets"

    key: str = Field(primary_key=True, max_length=200)
    count: int = 0
    window_start: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    # A key that backs off (sign-in failures of one username) is held back until then.
    blocked_until: datetime | None = _ts()


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("principal", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=64)
    key: str = Field(max_length=128)
    fingerprint: str = Field(max_length=64)
    status_code: int | None = None
    response: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON()))
    created_at: datetime = _created()


class OutboxMessage(SQLModel, table=True):
    """An event (a lifecycle step, a deadline, a mail to send), written in the same transaction as
    its cause. How each consumer fares with it is in :class:`OutboxDelivery`; an event no
    consumer wants is still recorded."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_created", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=64)
    payload: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON(), nullable=False))
    created_at: datetime = _created()


class OutboxDelivery(SQLModel, table=True):
    """One consumer's delivery of one event: claimed, retried and failed on its own, so one
    consumer failing never delays or repeats another."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (
        # "Due" is sent_at IS NULL AND failed_at IS NULL AND available_at <= now: one range.
        sa.Index("ix_outbox_deliveries_due", "sent_at", "failed_at", "available_at"),
        # A consumer gets an event once; also the index behind the event's deliveries.
        sa.UniqueConstraint("event_id", "consumer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="outbox.id")
    consumer: str = Field(max_length=64)  # its name in backend.worker.registry
    available_at: datetime = _created()
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _ts()
    sent_at: datetime | None = _ts()
    # Gave up after outbox_max_attempts: left for an operator, never claimed again.
    failed_at: datetime | None = _ts()
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))


class Notification(SQLModel, table=True):
    """One user's in-app notice, made by the worker from an outbox event."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user", "user_id", "id"),
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        sa.Index("ix_notifications_mail", "mail", "created_at"),
        # One notice per event and recipient, even if an event were fanned out twice.
        sa.UniqueConstraint("source_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=64)  # the event's topic, e.g. ticket.dispatch
    title: str = Field(max_length=200)
    body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    link: str | None = Field(default=None, max_length=255)  # a path in the SPA
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    source_id: int | None = None  # the outbox event it came from
    mail: str = Field(default="none", max_length=8)  # backend.models.enums.MailState
    created_at: datetime = _created()
    read_at: datetime | None = _ts()


class SlaPolicy(SQLModel, table=True):
    """Service levels for a category and urgency; NULL scope fields are wildcards, NULL values
    inherit from the next less specific policy and finally from backend.tickets.sla."""

    __tablename__ = "sla_policies"

    id: int | None = Field(default=None, primary_key=True)
    category_id: int | None = Field(default=None, foreign_key="categories.id")
    urgency: str | None = Field(default=None, max_length=16)
    # "<category id or *>:<urgency or *>": one policy per scope (NULLs never clash in UNIQUE).
    scope_key: str = Field(max_length=48, unique=True)
    dispatch_days: float | None = None
    accept_days: float | None = None
    reply_days: float | None = None
    revisit_days: float | None = None
    score_days: float | None = None
    max_extensions: int | None = None
    max_extension_days: int | None = None
    reminder_lead_days: float | None = None
    note: str | None = Field(default=None, max_length=200)
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = _created()
    updated_at: datetime = _created()


class SlaMark(SQLModel, table=True):
    """What a sweep did for one ticket and deadline: the unique key makes it happen once,
    however many sweeps and workers race for it (insert-if-absent decides the winner)."""

    __tablename__ = "sla_marks"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "kind", "deadline"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    kind: str = Field(max_length=32)  # e.g. reminder.accept, overdue.reply, supervision.reply
    deadline: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    acted: bool = True  # false: claimed but decided not to act (a supervision order is open)
    created_at: datetime = _created()


class SlaWatermark(SQLModel, table=True):
    """How far (in due_at) a sweep has worked through: its next scan starts here, less a
    look-back, so it reads only newly due tickets instead of every overdue one again."""

    __tablename__ = "sla_watermarks"

    name: str = Field(primary_key=True, max_length=32)
    due_before: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    updated_at: datetime = _created()


class SupervisionOrder(SQLModel, table=True):
    """A 督办单: the department must acknowledge it with a plan; the committee closes it once
    the ticket is answered."""

    __tablename__ = "supervision_orders"
    __table_args__ = (
        sa.Index("ix_supervision_orders_department", "department_id", "id"),
        sa.Index("ix_supervision_orders_ticket", "ticket_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    department_id: int = Field(foreign_key="units.id")
    reason: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    deadline: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    auto: bool = False  # raised by the overdue sweep, not by a person
    raised_by_id: int | None = Field(default=None, foreign_key="users.id")
    status: str = Field(default="open", max_length=16, index=True)  # SupervisionStatus
    plan: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    acknowledged_by_id: int | None = Field(default=None, foreign_key="users.id")
    acknowledged_at: datetime | None = _ts()
    closed_by_id: int | None = Field(default=None, foreign_key="users.id")
    closed_at: datetime | None = _ts()
    close_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    # void: the ticket action that ended it (return | reject | withdraw | merge) and its event.
    void_reason: str | None = Field(default=None, max_length=32)
    voided_at: datetime | None = _ts()
    voided_by_event_id: int | None = Field(default=None, foreign_key="ticket_events.id")
    created_at: datetime = _created()
    updated_at: datetime = _created()


def table(model: type[SQLModel]) -> sa.Table:
    """The Core table of a model (typed, unlike ``Model.__table__``)."""
    t = model.__table__  # type: ignore[attr-defined]
    assert isinstance(t, sa.Table)
    return t


# Tables of their own module (issue 10 on), registered on the same metadata when imported here.
from backend.models.evaluation import AssignmentFact  # noqa: E402
from backend.models.exclusions import Exclusion  # noqa: E402
from backend.models.stats import StatsWeights  # noqa: E402
from backend.models.warnings import ConcentrationWarning, WarningRule  # noqa: E402

__all__ += ["Exclusion", "StatsWeights"]
