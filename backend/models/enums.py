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
