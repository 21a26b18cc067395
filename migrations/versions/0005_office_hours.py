"""office hours set by the committee (issue 8, defect 13)

Revision ID: 0005
Revises: 0003

Only the table: with no row the defaults (08:30–17:30) apply. Stored deadlines keep their times.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "office_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", backend.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_office_hours_single_row")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_office_hours_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_hours")),
    )


def downgrade() -> None:
    op.drop_table("office_hours")
