"""The per-assignment fact table behind every department rate (issue 10).

One row each time a department is given a ticket, as lead or assisting: a dispatch, a
re-dispatch after a return, a reopen. Later events fill in the row of the round they belong to;
a new round adds rows and never overwrites a closed one. Kept current as events are written
(``backend.evaluation.facts``), so the rates read this table instead of replaying tickets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.types import UTCDateTime


def _ts() -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))


class AssignmentFact(SQLModel, table=True):
    __tablename__ = "assignment_facts"
    __table_args__ = (
        sa.Index("ix_assignment_facts_department_dispatched", "department_id", "dispatched_at"),
        sa.Index("ix_assignment_facts_department_reply_due", "department_id", "reply_due_at"),
        sa.Index("ix_assignment_facts_ticket", "ticket_id", "round_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    department_id: int = Field(foreign_key="units.id")
    # lead | assist (FactRole); merged: the score of a ticket merged into another, counted for
    # the department that replied to its root (no dispatch of its own).
    role: str = Field(max_length=8)
    # Which assignment of the ticket this is (1 = the first dispatch; each re-dispatch and
    # reopen adds one): the later events of the ticket fill in the rows of the latest round.
    round_no: int
    dispatched_at: datetime | None = _ts()
    accept_due_at: datetime | None = _ts()
    accepted_at: datetime | None = _ts()
    returned_at: datetime | None = _ts()
    # The committee's judgement of the return: True unreasonable, False reasonable, None unjudged.
    return_unreasonable: bool | None = None
    reply_due_at: datetime | None = _ts()  # as extended (an approved extension moves it)
    replied_at: datetime | None = _ts()
    revisit_outcome: str | None = Field(default=None, max_length=16)
    revisited_at: datetime | None = _ts()
    score_efficiency: int | None = None
    score_handling: int | None = None
    score_effect: int | None = None
    score_overall: int | None = None
    satisfied: bool | None = None
    scored_at: datetime | None = _ts()
    reopened_at: datetime | None = _ts()
