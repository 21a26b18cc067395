"""The weights of the composite department rate (issue 10)

Revision ID: 0013
Revises: 0012

A new one-row table only; no row means the documented defaults, so nothing to backfill.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stats_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response", sa.Float(), nullable=False),
        sa.Column("on_time", sa.Float(), nullable=False),
        sa.Column("resolution", sa.Float(), nullable=False),
        sa.Column("satisfaction", sa.Float(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", backend.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_stats_weights_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_weights")),
    )


def downgrade() -> None:
    op.drop_table("stats_weights")
