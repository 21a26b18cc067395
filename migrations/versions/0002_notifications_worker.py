"""notifications, mail preferences and the worker's outbox leases (issue 4, delivery)

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.models.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notify_email",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                server_default="each",
                nullable=False,
            )
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_at", backend.models.types.UTCDateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("mail", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column(
            "created_at", backend.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("read_at", backend.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_notifications_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "source_id", "user_id", name=op.f("uq_notifications_source_id_user_id")
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_mail", ["mail", "created_at"], unique=False)
        batch_op.create_index("ix_notifications_user", ["user_id", "id"], unique=False)
        batch_op.create_index(
            "ix_notifications_user_unread", ["user_id", "read_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_unread")
        batch_op.drop_index("ix_notifications_user")
        batch_op.drop_index("ix_notifications_mail")
    op.drop_table("notifications")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("failed_at")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notify_email")
