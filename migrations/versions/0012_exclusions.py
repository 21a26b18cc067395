"""核减 (exclusions): tickets taken out of a department's rates (issue 10)

Revision ID: 0012
Revises: 0011

A new table only: nothing existing is rewritten, and there is nothing to backfill (no
exclusion existed before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.models.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ts = backend.models.types.UTCDateTime
LIVE = sa.text("status IN ('pending', 'approved')")


def _str(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reason_kind", _str(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", _ts(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("created_at", _ts(timezone=True), nullable=False),
        sa.Column("updated_at", _ts(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_exclusions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["units.id"], name=op.f("fk_exclusions_department_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_exclusions_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_exclusions_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusions")),
    )
    with op.batch_alter_table("exclusions", schema=None) as batch_op:
        batch_op.create_index("ix_exclusions_department", ["department_id", "id"], unique=False)
        batch_op.create_index("ix_exclusions_status", ["status", "id"], unique=False)
        batch_op.create_index("ix_exclusions_ticket", ["ticket_id", "department_id"], unique=False)
        batch_op.create_index(
            "uq_exclusions_live",
            ["ticket_id", "department_id"],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("exclusions", schema=None) as batch_op:
        batch_op.drop_index("uq_exclusions_live")
        batch_op.drop_index("ix_exclusions_ticket")
        batch_op.drop_index("ix_exclusions_status")
        batch_op.drop_index("ix_exclusions_department")
    op.drop_table("exclusions")
