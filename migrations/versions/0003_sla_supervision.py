"""SLA policies, sweep marks and supervision orders (issue 4, clock)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.models.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ts = backend.models.types.UTCDateTime


def _str(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "sla_watermarks",
        sa.Column("name", _str(32), nullable=False),
        sa.Column("due_before", _ts(timezone=True), nullable=False),
        sa.Column("updated_at", _ts(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sla_watermarks")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("urgency", _str(16), nullable=True),
        sa.Column("scope_key", _str(48), nullable=False),
        sa.Column("dispatch_days", sa.Float(), nullable=True),
        sa.Column("accept_days", sa.Float(), nullable=True),
        sa.Column("reply_days", sa.Float(), nullable=True),
        sa.Column("revisit_days", sa.Float(), nullable=True),
        sa.Column("score_days", sa.Float(), nullable=True),
        sa.Column("max_extensions", sa.Integer(), nullable=True),
        sa.Column("max_extension_days", sa.Integer(), nullable=True),
        sa.Column("reminder_lead_days", sa.Float(), nullable=True),
        sa.Column("note", _str(200), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _ts(timezone=True), nullable=False),
        sa.Column("updated_at", _ts(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_sla_policies_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_sla_policies_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint("scope_key", name=op.f("uq_sla_policies_scope_key")),
    )
    op.create_table(
        "sla_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", _str(32), nullable=False),
        sa.Column("deadline", _ts(timezone=True), nullable=False),
        sa.Column("acted", sa.Boolean(), nullable=False),
        sa.Column("created_at", _ts(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_sla_marks_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_marks")),
        sa.UniqueConstraint(
            "ticket_id", "kind", "deadline", name=op.f("uq_sla_marks_ticket_id_kind_deadline")
        ),
    )
    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("deadline", _ts(timezone=True), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", _ts(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", _ts(timezone=True), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("created_at", _ts(timezone=True), nullable=False),
        sa.Column("updated_at", _ts(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_supervision_orders_acknowledged_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_supervision_orders_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["units.id"],
            name=op.f("fk_supervision_orders_department_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["users.id"], name=op.f("fk_supervision_orders_raised_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_supervision_orders_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_orders")),
    )
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_supervision_orders_department", ["department_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supervision_orders_status"), ["status"], unique=False)
        batch_op.create_index("ix_supervision_orders_ticket", ["ticket_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_supervision_orders_ticket")
        batch_op.drop_index(batch_op.f("ix_supervision_orders_status"))
        batch_op.drop_index("ix_supervision_orders_department")
    op.drop_table("supervision_orders")
    op.drop_table("sla_marks")
    op.drop_table("sla_policies")
    op.drop_table("sla_watermarks")
