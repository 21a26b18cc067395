"""The event contract: one typed payload per event type.

Every event is about one ticket and has the same envelope (:class:`Event`): which event, the
ticket, the actor *kind* (and the actor's unit and user only where nobody is hidden), the
ticket's college and lead department, whether it is internal, the time, and the details of its
type (a :class:`Details` subclass: the departments, the deadlines where they move, the outcome).

These models are the public contract of webhooks and OA to-dos later; the notification fan-out
reads them today. So they carry:

- **no free text**: no reasons, notes, replies, comments, plans, file names. Texts are read
  through the API, under the reader's own scope. That keeps every internal reason out (return
  reasons, return judgements, extension reasons and decision notes, internal notes).
- **no return reason codes** either: a code is the department's reason for refusing a ticket,
  judged by the committee; it is between them (like the reason text) and is read on
  ``/tickets/{id}/returns``.
- **no identity of a submitter the ticket does not name**: an action from the submitting side
  of a non-named ticket has no ``actor.user_id`` (and no unit where the unit would tell).
- ``internal`` events (assignments, return judgements, internal notes, supervision) are for the
  committee and the departments; a consumer serving colleges must drop them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from backend.models.enums import Channel, RevisitMethod, RevisitOutcome, Status, VoidReason


class ActorKind(StrEnum):
    committee = "committee"
    department = "department"
    college = "college"  # a college user acting for the college (e.g. its head)
    submitter = "submitter"  # the person who raised the ticket (or a ticket merged into it)
    code_holder = "code_holder"  # no account: the public form or a tracking code
    system = "system"  # the clock's sweeps, and what follows by rule from another event
    service = "service"  # a service client (integrations)


class Actor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ActorKind
    unit_id: int | None = None
    user_id: int | None = Field(
        default=None,
        description="None for the system, and wherever the actor is a submitter the ticket "
        "does not name.",
    )


class Details(BaseModel):
    """The type-specific part of an event. Subclasses name their topic and timeline action."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: ClassVar[str]
    # The timeline's action name; None: the event has no timeline row of its own.
    action: ClassVar[str | None]
    # The timeline note of this type is for the committee and the departments only.
    internal_note: ClassVar[bool] = False


class Event(BaseModel):
    """The envelope every event shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: str = Field(description="The topic, e.g. ticket.dispatch.")
    ticket_id: int
    ticket_code: str
    from_status: Status | None
    to_status: Status
    actor: Actor
    college_id: int | None
    lead_department_id: int | None
    internal: bool = False
    at: datetime
    details: SerializeAsAny[Details]


# --- ticket lifecycle -------------------------------------------------------------------------


class Submitted(Details):
    topic = "ticket.submit"
    action = "submit"
    channel: Channel
    dispatch_due_at: datetime


class Dispatched(Details):
    topic = "ticket.dispatch"
    action = "dispatch"
    lead_department_id: int
    assisting_department_ids: list[int]
    accept_due_at: datetime
    reply_due_at: datetime


class Returned(Details):
    topic = "ticket.return"
    action = "return"
    internal_note = True  # the return reason
    department_id: int
    dispatch_due_at: datetime


class Accepted(Details):
    topic = "ticket.accept"
    action = "accept"
    department_id: int | None


class NoteAdded(Details):
    topic = "ticket.note"
    action = "note"
    department_id: int | None


class ExtensionRequested(Details):
    topic = "ticket.request_extension"
    action = "request_extension"
    internal_note = True  # the extension reason
    extension_id: int
    days: int


class ExtensionDecided(Details):
    topic = "ticket.decide_extension"
    action = "decide_extension"
    internal_note = True  # the decision note
    extension_id: int
    approved: bool
    days: int
    reply_due_at: datetime | None = Field(description="The reply deadline after the decision.")


class Replied(Details):
    topic = "ticket.reply"
    action = "reply"
    department_id: int | None
    on_time: bool
    revisit_due_at: datetime


class Revisited(Details):
    topic = "ticket.revisit"
    action = "revisit"
    method: RevisitMethod
    outcome: RevisitOutcome
    score_due_at: datetime


class Reopened(Details):
    topic = "ticket.reopen"
    action = "reopen"
    previous_outcome: RevisitOutcome | None
    accept_due_at: datetime
    reply_due_at: datetime


class Scored(Details):
    topic = "ticket.score"
    action = "score"
    efficiency: int
    handling: int
    effect: int
    overall: int
    satisfied: bool
    via: str = Field(description="committee (a phone revisit), college, or code.")


class Closed(Details):
    topic = "ticket.close"
    action = "close"
    unscored: bool = True


class Rejected(Details):
    topic = "ticket.reject"
    action = "reject"


class Withdrawn(Details):
    topic = "ticket.withdraw"
    action = "withdraw"


class Merged(Details):
    topic = "ticket.merge"
    action = "merge"
    primary_id: int = Field(description="The root of the merge chain the ticket now follows.")
    primary_code: str
    requested_primary_id: int | None = Field(
        default=None,
        description="The ticket the committee named, where it was itself merged and the merge "
        "went on to its root (primary_id).",
    )


class MergedIn(Details):
    topic = "ticket.merged_in"
    action = "merged_in"
    merged_id: int
    merged_code: str


class Urged(Details):
    topic = "ticket.urge"
    action = "urge"
    department_id: int | None
    auto: bool = False
    stage: str | None = Field(default=None, description="accept or reply (automatic urges).")
    due_at: datetime | None = Field(default=None, description="The missed deadline (automatic).")


class Assigned(Details):
    topic = "ticket.assign"
    action = "assign"
    handler_id: int


class ReturnJudged(Details):
    topic = "ticket.judge_return"
    action = "judge_return"
    internal_note = True  # the judgement note
    return_id: int
    reasonable: bool


class AttachmentAdded(Details):
    topic = "ticket.attach"
    action = "attach"
    attachment_id: int


# --- the clock ---------------------------------------------------------------------------------


class Overdue(Details):
    """A department deadline was missed (comes with an automatic :class:`Urged`)."""

    topic = "ticket.overdue"
    action = None
    stage: str
    due_at: datetime
    department_id: int | None


class Reminder(Details):
    topic = "sla.reminder"
    action = None
    stage: str
    due_at: datetime
    department_id: int | None


# --- supervision orders ------------------------------------------------------------------------


class SupervisionRaised(Details):
    topic = "supervision.raised"
    action = "supervise"
    order_id: int
    department_id: int
    auto: bool
    deadline: datetime


class SupervisionAcknowledged(Details):
    topic = "supervision.acknowledged"
    action = "supervision_acknowledged"
    order_id: int
    department_id: int


class SupervisionClosed(Details):
    topic = "supervision.closed"
    action = "supervision_closed"
    order_id: int
    department_id: int


class SupervisionVoided(Details):
    """The department let go of the ticket (a return, reject, withdraw or merge): its order
    ends with it. Follows from the ticket's own event, so the actor is the system."""

    topic = "supervision.voided"
    action = "supervision_voided"
    order_id: int
    department_id: int
    reason: VoidReason


# --- 核减 (exclusions) ------------------------------------------------------------------------
# No timeline row: an exclusion is about the department's rates, not the ticket's handling, and
# its reason is read on /exclusions by the committee and that department only. The reason kind
# stays out of the payload too (like a return's reason code, it is between the two of them).


class ExclusionRequested(Details):
    """A department asks to leave the ticket out of its rates; the committee decides."""

    topic = "exclusion.requested"
    action = None
    exclusion_id: int
    department_id: int


class ExclusionDecided(Details):
    """The committee approved or rejected a request, or excluded the ticket itself
    (``direct``: approved, with no request before it)."""

    topic = "exclusion.decided"
    action = None
    exclusion_id: int
    department_id: int
    approved: bool
    direct: bool = False


def _all_details() -> list[type[Details]]:
    out: list[type[Details]] = []
    todo = list(Details.__subclasses__())
    while todo:
        cls = todo.pop(0)
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


BY_TOPIC: dict[str, type[Details]] = {cls.topic: cls for cls in _all_details()}
BY_ACTION: dict[str, type[Details]] = {
    cls.action: cls for cls in BY_TOPIC.values() if cls.action is not None
}


def parse(topic: str, payload: Mapping[str, Any]) -> Event:
    """The typed event of an outbox row; ``ValueError`` (a pydantic one) if it breaks the
    contract."""
    cls = BY_TOPIC.get(topic)
    if cls is None or payload.get("event") != topic:
        raise ValueError(f"no event contract for topic {topic!r}")
    details = cls.model_validate(payload.get("details"))
    return Event.model_validate({**payload, "details": details})


def internal_note(action: str) -> bool:
    """Whether a timeline note of this action is for the committee and departments only."""
    cls = BY_ACTION.get(action)
    return cls is not None and cls.internal_note
