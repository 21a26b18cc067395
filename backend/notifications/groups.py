"""The notification page's tabs: which group each kind of notice (an event's topic) is in.

The one place that decides it: the inbox filter, each notice's ``group`` and the summary all
read :data:`GROUP_OF`. A kind not listed (none today: a test holds every topic of the event
contract to a place here) reads as ``other``.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from backend.events import contract as ev


class NotificationGroup(StrEnum):
    todo = "todo"  # 待办: the reader must act (triage, sign, judge, decide, revisit, score …)
    overdue = "overdue"  # 超期: a deadline is missed or about to be
    supervision = "supervision"  # 督办: supervision orders and urges
    other = "other"  # 其他: for information


_G = NotificationGroup

GROUP_OF: dict[str, NotificationGroup] = {
    ev.Submitted.topic: _G.todo,  # the committee triages and dispatches
    ev.Dispatched.topic: _G.todo,  # the department signs for it or returns it
    ev.Reopened.topic: _G.todo,  # the department signs for it again
    ev.Returned.topic: _G.todo,  # the committee judges the return and dispatches again
    ev.ExtensionRequested.topic: _G.todo,  # the committee decides
    ev.Replied.topic: _G.todo,  # the committee revisits (the raiser reads the answer)
    ev.Revisited.topic: _G.todo,  # the raiser scores
    ev.Assigned.topic: _G.todo,  # the handler works on it
    ev.Overdue.topic: _G.overdue,
    ev.Reminder.topic: _G.overdue,
    ev.Urged.topic: _G.supervision,  # 催办, by the committee or automatically when overdue
    ev.SupervisionRaised.topic: _G.supervision,
    ev.SupervisionAcknowledged.topic: _G.supervision,
    ev.SupervisionClosed.topic: _G.supervision,
    ev.SupervisionVoided.topic: _G.supervision,
    # Not a ticket event: the warnings consumer (backend.warnings.handlers) makes these notices.
    "warning.raised": _G.supervision,  # 意见集中预警, on the way to a talk (约谈)
    ev.ExclusionRequested.topic: _G.todo,  # the committee decides the 核减 request
    ev.Accepted.topic: _G.other,
    ev.ExtensionDecided.topic: _G.other,
    ev.Scored.topic: _G.other,
    ev.Closed.topic: _G.other,
    ev.Rejected.topic: _G.other,
    ev.Merged.topic: _G.other,
    ev.MergedIn.topic: _G.other,
    ev.NoteAdded.topic: _G.other,
    ev.Withdrawn.topic: _G.other,
    ev.ReturnJudged.topic: _G.other,
    ev.AttachmentAdded.topic: _G.other,
    ev.ExclusionDecided.topic: _G.other,
}


def group_of(kind: str) -> NotificationGroup:
    return GROUP_OF.get(kind, NotificationGroup.other)


def kinds_in(group: NotificationGroup) -> list[str]:
    return sorted(k for k, g in GROUP_OF.items() if g is group)


def in_group(kind: sa.ColumnElement[str], group: NotificationGroup) -> sa.ColumnElement[bool]:
    """``kind`` is in ``group``: ``other`` is every kind not placed in another group."""
    if group is NotificationGroup.other:
        return kind.not_in([k for k, g in GROUP_OF.items() if g is not NotificationGroup.other])
    return kind.in_(kinds_in(group))
