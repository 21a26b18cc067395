"""Concentration warnings (意见集中 → 约谈), issue 10

Revision ID: 0011
Revises: 0010

The committee's warning rules and the warnings the worker raises from them, each once per rule,
department and window (the unique key).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.models.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ts = backend.models.types.UTCDateTime


def _str(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "warning_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _str(100), nullable=False),
        sa.Column("kind", _str(16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("rate_below", sa.Float(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", _ts(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _ts(timezone=True), nullable=False),
        sa.Column("updated_at", _ts(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_warning_rules_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_warning_rules_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["units.id"], name=op.f("fk_warning_rules_department_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_rules")),
    )
    op.create_table(
        "concentration_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("kind", _str(16), nullable=False),
        sa.Column("window_key", _str(32), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=True),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("rate_below", sa.Float(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("raised_at", _ts(timezone=True), nullable=False),
        sa.Column("held_at", _ts(timezone=True), nullable=True),
        sa.Column("attendees", _str(500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", _ts(timezone=True), nullable=True),
        sa.Column("updated_at", _ts(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_concentration_warnings_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_concentration_warnings_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["units.id"],
            name=op.f("fk_concentration_warnings_department_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["warning_rules.id"],
            name=op.f("fk_concentration_warnings_rule_id_warning_rules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concentration_warnings")),
        sa.UniqueConstraint(
            "rule_id",
            "department_id",
            "window_key",
            name=op.f("uq_concentration_warnings_rule_id_department_id_window_key"),
        ),
    )
    with op.batch_alter_table("concentration_warnings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concentration_warnings_department", ["department_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_concentration_warnings_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("concentration_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concentration_warnings_status"))
        batch_op.drop_index("ix_concentration_warnings_department")
    op.drop_table("concentration_warnings")
    op.drop_table("warning_rules")
