"""outbox deliveries: one row per (event, consumer) with its own delivery state (issue 8)

The ``outbox`` keeps one row per event (topic, payload, created_at); claims, leases, retries and
failures move to ``outbox_deliveries``. The upgrade gives every old row its delivery under the
consumer that handled its topic before (``mail.send`` → mail; ``ticket.``, ``sla.``,
``supervision.`` → notifications), with its state as it was: pending rows stay pending, failed
ones failed, delivered ones delivered (so nothing is delivered twice). Rows of other topics had
no handler: they stay as events without deliveries.

The downgrade folds each event's deliveries back into its row: the state of its first pending
delivery, else of a failed one, else of the last sent one. An event without deliveries owes
nothing, so it is marked sent.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.models.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ts = backend.models.types.UTCDateTime
_STATE = (
    "available_at",
    "attempts",
    "claimed_by",
    "claimed_at",
    "sent_at",
    "failed_at",
    "last_error",
)
# The handlers registered when revision 0003 was current, by topic prefix.
_CONSUMER_OF = (
    ("mail.send", "mail"),
    ("ticket.", "notifications"),
    ("sla.", "notifications"),
    ("supervision.", "notifications"),
)


def _str(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def _starts(prefix: str) -> str:
    # substr, not LIKE: exact on both databases (SQLite's LIKE ignores case).
    return f"substr(topic, 1, {len(prefix)}) = '{prefix}'"


def upgrade() -> None:
    # Without its foreign key until the outbox is rebuilt: SQLite rebuilds a table by dropping
    # it, which a referencing table with rows would forbid.
    op.create_table(
        "outbox_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("consumer", _str(64), nullable=False),
        sa.Column("available_at", _ts(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", _str(64), nullable=True),
        sa.Column("claimed_at", _ts(timezone=True), nullable=True),
        sa.Column("sent_at", _ts(timezone=True), nullable=True),
        sa.Column("failed_at", _ts(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
        sa.UniqueConstraint(
            "event_id", "consumer", name=op.f("uq_outbox_deliveries_event_id_consumer")
        ),
    )
    consumer = " ".join(f"WHEN {_starts(p)} THEN '{name}'" for p, name in _CONSUMER_OF)
    state = ", ".join(_STATE)
    op.execute(
        f"INSERT INTO outbox_deliveries (event_id, consumer, {state}) "
        f"SELECT id, CASE {consumer} END, {state} FROM outbox "
        f"WHERE {' OR '.join(_starts(p) for p, _ in _CONSUMER_OF)}"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")
        for column in _STATE:
            batch_op.drop_column(column)
        batch_op.create_index("ix_outbox_created", ["created_at"], unique=False)
    with op.batch_alter_table("outbox_deliveries", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_outbox_deliveries_event_id_outbox"), "outbox", ["event_id"], ["id"]
        )
        batch_op.create_index(
            "ix_outbox_deliveries_due", ["sent_at", "failed_at", "available_at"], unique=False
        )


def downgrade() -> None:
    # Plain ALTERs while outbox_deliveries still points at the outbox (see upgrade).
    op.drop_index("ix_outbox_created", table_name="outbox")
    op.add_column("outbox", sa.Column("available_at", _ts(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("attempts", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("claimed_by", _str(64), nullable=True))
    op.add_column("outbox", sa.Column("claimed_at", _ts(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("sent_at", _ts(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("failed_at", _ts(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("last_error", sa.Text(), nullable=True))
    op.execute(
        f"UPDATE outbox SET {', '.join(f'{c} = r.{c}' for c in _STATE)} "
        f"FROM (SELECT event_id, {', '.join(_STATE)}, ROW_NUMBER() OVER ("
        "PARTITION BY event_id ORDER BY "
        "CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 0 "
        "WHEN sent_at IS NULL THEN 1 ELSE 2 END, sent_at DESC, id) AS n "
        "FROM outbox_deliveries) AS r "
        "WHERE r.event_id = outbox.id AND r.n = 1"
    )
    op.execute(
        "UPDATE outbox SET available_at = created_at, attempts = 0, sent_at = created_at "
        "WHERE available_at IS NULL"
    )
    op.drop_table("outbox_deliveries")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("available_at", existing_type=_ts(timezone=True), nullable=False)
        batch_op.alter_column("attempts", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index("ix_outbox_pending", ["sent_at", "available_at"], unique=False)
