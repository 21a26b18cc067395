"""Closed vocabularies. Stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    committee = "committee"
    department = "department"
    college = "college"


class Role(StrEnum):
    head = "head"
    staff = "staff"


class Status(StrEnum):
    submitted = "submitted"
    dispatched = "dispatched"
    accepted = "accepted"
    replied = "replied"
    revisited = "revisited"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"
    merged = "merged"


OPEN_STATUSES = frozenset(
    {Status.submitted, Status.dispatched, Status.accepted, Status.replied, Status.revisited}
)


class Urgency(StrEnum):
    normal = "normal"
    urgent = "urgent"
    complex = "complex"


class Anonymity(StrEnum):
    named = "named"
    department = "department"  # hidden from departments, known to the committee
    full = "full"  # nobody; only the tracking code leads back


class Channel(StrEnum):
    web = "web"
    public = "public"
    mailbox = "mailbox"
    visit = "visit"
    hotline = "hotline"
    petition = "petition"  # 信访
    api = "api"


class RevisitMethod(StrEnum):
    phone = "phone"
    visit = "visit"
    online = "online"
    self_confirmed = "self_confirmed"


class RevisitOutcome(StrEnum):
    resolved = "resolved"
    partly = "partly"
    unresolved = "unresolved"


class ReturnReason(StrEnum):
    not_our_remit = "not_our_remit"
    needs_info = "needs_info"
    duplicate = "duplicate"
    other = "other"


class NotifyEmail(StrEnum):
    """How a user wants notifications by mail."""

    each = "each"  # one mail per notification
    digest = "digest"  # one mail a day with everything since the last one
    none = "none"


class MailState(StrEnum):
    """What happened, mail-wise, to one notification."""

    none = "none"  # not mailed (preference none, no address, or mail switched off)
    queued = "queued"  # a mail.send outbox row carries it
    digest = "digest"  # waiting for the recipient's daily digest
    digested = "digested"  # went out in a digest


class ExtensionStatus(StrEnum):
    pending = "pending"  # waiting for the committee; decidable only while the ticket is accepted
    approved = "approved"
    denied = "denied"
    # The ticket left `accepted` (e.g. replied) before the committee decided: nothing to decide.
    superseded = "superseded"


class SupervisionStatus(StrEnum):
    open = "open"  # raised, waiting for the department head's plan
    acknowledged = "acknowledged"  # the head answered with a rectification plan (整改措施)
    closed = "closed"  # the committee closed it after the ticket was answered
    # The department it pressed let go of the ticket (return, reject, withdraw, merge): the order
    # ends with it, and a department that takes the ticket later gets orders of its own.
    void = "void"


# Orders that still press their department: at most one per ticket and department.
LIVE_SUPERVISION = frozenset({SupervisionStatus.open, SupervisionStatus.acknowledged})


class VoidReason(StrEnum):
    """The ticket action by which the department let go of the ticket, ending its order as
    ``void`` (orders ended by migration 0008 say ``migration`` instead)."""

    returned = "return"
    rejected = "reject"
    withdrawn = "withdraw"
    merged = "merge"


class FactRole(StrEnum):
    """The part a department plays in one assignment (``assignment_facts.role``)."""

    lead = "lead"
    assist = "assist"
    merged = "merged"  # the score of a ticket merged into one the department answered


class WarningKind(StrEnum):
    """What a concentration-warning rule counts (意见集中)."""

    volume = "volume"  # N tickets led by one department (optionally one category) in D days
    satisfaction = "satisfaction"  # a satisfaction rate below X over at least n scores in D days
    overdue = "overdue"  # K overdue tickets of one department at once


class WarningStatus(StrEnum):
    open = "open"  # raised, waiting for the committee
    interviewed = "interviewed"  # the committee held the talk (约谈) and recorded it
    dismissed = "dismissed"  # the committee decided no talk is needed, with a reason
