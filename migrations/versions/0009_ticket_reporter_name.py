"""The person an on-behalf ticket is raised for (反映人), issue 9

Revision ID: 0009
Revises: 0008

The committee and, from issue 9, a college head record an opinion on someone's behalf: next to
the existing ``contact``, the ticket keeps that person's name for the revisit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reporter_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("reporter_name")
