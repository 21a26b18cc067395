"""The per-assignment fact table behind the department rates (issue 10), backfilled

Revision ID: 0010
Revises: 0009

``assignment_facts`` gets one row each time a department is given a ticket (lead or assisting;
re-dispatch and reopen add rows). The backfill replays the timeline (``ticket_events``) in the
order it was written through the same code that keeps the table current
(``backend.evaluation.facts.replay``), so it agrees with what the live projector would have
written. What it cannot recover:

- timeline rows whose details no longer parse under today's event contract (kept by older
  versions, or edited by hand) are skipped: a skipped dispatch loses that round's rows, a skipped
  later event leaves its column empty;
- the sub-deadlines and parts of assisting departments, which no event records yet: their rows
  carry the lead's reply deadline and no reply time;
- a ticket whose history lacks its dispatch event gets no rows (nothing says who held it);
- the score of a merged ticket counts for the department its row names today
  (``tickets.reply_department_id``), as it did when it was scored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.models.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ts = backend.models.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "assignment_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("dispatched_at", _ts(timezone=True), nullable=True),
        sa.Column("accept_due_at", _ts(timezone=True), nullable=True),
        sa.Column("accepted_at", _ts(timezone=True), nullable=True),
        sa.Column("returned_at", _ts(timezone=True), nullable=True),
        sa.Column("return_unreasonable", sa.Boolean(), nullable=True),
        sa.Column("reply_due_at", _ts(timezone=True), nullable=True),
        sa.Column("replied_at", _ts(timezone=True), nullable=True),
        sa.Column("revisit_outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("revisited_at", _ts(timezone=True), nullable=True),
        sa.Column("score_efficiency", sa.Integer(), nullable=True),
        sa.Column("score_handling", sa.Integer(), nullable=True),
        sa.Column("score_effect", sa.Integer(), nullable=True),
        sa.Column("score_overall", sa.Integer(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("scored_at", _ts(timezone=True), nullable=True),
        sa.Column("reopened_at", _ts(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["units.id"], name=op.f("fk_assignment_facts_department_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_assignment_facts_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_facts")),
    )
    op.create_index(
        "ix_assignment_facts_department_dispatched",
        "assignment_facts",
        ["department_id", "dispatched_at"],
    )
    op.create_index(
        "ix_assignment_facts_department_reply_due",
        "assignment_facts",
        ["department_id", "reply_due_at"],
    )
    op.create_index("ix_assignment_facts_ticket", "assignment_facts", ["ticket_id", "round_no"])
    backfill(op.get_bind())


def backfill(bind: sa.Connection) -> None:
    """Replay the timeline into the (empty) fact table."""
    # Imported here: the replay is today's code, run once by this migration.
    from backend.evaluation.facts import replay

    replay(bind)


def downgrade() -> None:
    op.drop_index("ix_assignment_facts_ticket", table_name="assignment_facts")
    op.drop_index("ix_assignment_facts_department_reply_due", table_name="assignment_facts")
    op.drop_index("ix_assignment_facts_department_dispatched", table_name="assignment_facts")
    op.drop_table("assignment_facts")
