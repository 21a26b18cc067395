"""The ticket lifecycle: one explicit table of actions, and one guard.

Each action names the states it may start from, the state it leads to (``None``: it stays), and
the relations to the ticket that may take it. The guard answers, in this order: may the caller
see the ticket at all (else 404), may their relation take the action (else 403), does the state
allow it (else 409). ``allowed_actions`` is the same table read the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.errors import Problem, ProblemCode, conflict, forbidden, not_found
from backend.models.enums import OPEN_STATUSES, Status


class Rel(StrEnum):
    """How a caller stands to one ticket."""

    committee = "committee"
    lead = "lead"  # a member of the current lead department
    lead_head = "lead_head"  # the head of the current lead department
    assist = "assist"  # a member of a current assisting department
    former_department = "former_department"  # was lead/assisting: may still read
    submitter = "submitter"
    college_head = "college_head"  # head of the ticket's college
    merged_submitter = "merged_submitter"  # raised a ticket merged into this one: may read it
    code_holder = "code_holder"  # holds the tracking code (no account)


class Action(StrEnum):
    dispatch = "dispatch"
    return_ = "return"
    accept = "accept"
    note = "note"
    request_extension = "request_extension"
    decide_extension = "decide_extension"
    reply = "reply"
    revisit = "revisit"
    reopen = "reopen"
    score = "score"
    close = "close"
    reject = "reject"
    withdraw = "withdraw"
    merge = "merge"
    urge = "urge"
    assign = "assign"
    judge_return = "judge_return"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status | None  # None: the state does not change
    actors: frozenset[Rel]


def _t(sources: set[Status] | frozenset[Status], target: Status | None, *actors: Rel) -> Transition:
    return Transition(frozenset(sources), target, frozenset(actors))


S = Status
ALL_STATES = frozenset(Status)

TRANSITIONS: dict[Action, Transition] = {
    Action.dispatch: _t({S.submitted}, S.dispatched, Rel.committee),
    Action.return_: _t({S.dispatched}, S.submitted, Rel.lead),
    Action.accept: _t({S.dispatched}, S.accepted, Rel.lead),
    Action.note: _t({S.accepted}, None, Rel.lead, Rel.assist),
    Action.request_extension: _t({S.accepted}, None, Rel.lead),
    Action.decide_extension: _t({S.accepted}, None, Rel.committee),
    Action.reply: _t({S.accepted}, S.replied, Rel.lead),
    Action.revisit: _t({S.replied}, S.revisited, Rel.committee),
    Action.reopen: _t({S.replied, S.revisited}, S.dispatched, Rel.committee),
    # A merged ticket is scored on its own, once its merge root is revisited (see
    # backend.tickets.roots); a merged ticket's submitter reads the root but never scores it.
    Action.score: _t(
        {S.revisited, S.merged},
        S.closed,
        Rel.committee,
        Rel.submitter,
        Rel.college_head,
        Rel.code_holder,
    ),
    Action.close: _t({S.revisited}, S.closed, Rel.committee),
    Action.reject: _t({S.submitted}, S.rejected, Rel.committee),
    Action.withdraw: _t({S.submitted}, S.withdrawn, Rel.submitter),
    Action.merge: _t({S.submitted}, S.merged, Rel.committee),
    Action.urge: _t(OPEN_STATUSES, None, Rel.committee),
    Action.assign: _t({S.dispatched, S.accepted}, None, Rel.lead_head),
    # Judging a department's return is bookkeeping about the past: any state.
    Action.judge_return: _t(ALL_STATES, None, Rel.committee),
}


def guard(action: Action, status: str, rels: frozenset[Rel]) -> Transition:
    """Raise the right problem unless ``rels`` may take ``action`` in ``status``."""
    if not rels:
        raise not_found("ticket")
    tr = TRANSITIONS[action]
    if not rels & tr.actors:
        raise forbidden(
            f"You may not {action.value} this ticket.", code=ProblemCode.action_forbidden
        )
    if Status(status) not in tr.sources:
        raise state_conflict(action, status)
    return tr


def state_conflict(action: Action, status: str) -> Problem:
    return conflict(
        ProblemCode.invalid_state,
        f"A ticket that is {status} cannot be given the action {action.value}.",
        ticket_status=status,
        action=action.value,
    )


def permitted(status: str, rels: frozenset[Rel]) -> list[Action]:
    """Actions the table lets these relations take in this state (before per-action checks)."""
    st = Status(status)
    return [a for a, tr in TRANSITIONS.items() if st in tr.sources and rels & tr.actors]
