"""Lifecycle endings (issue 8, defects 1–3): void orders, superseded extension requests, merge
roots

Revision ID: 0008
Revises: 0007

Adds the columns, then ends what today's data left with no way to end: live supervision orders
of a department that no longer holds the ticket become ``void``, and extension requests pending
on a ticket that is no longer ``accepted`` become ``superseded`` (both with reason
``migration``); every merged ticket gets the root of its merge chain.

It follows 0007 (sign-in back-off), which reached main first: a database already at 0007
upgrades to it in line.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.models.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ts = backend.models.types.UTCDateTime
MIGRATION = "migration"  # the reason recorded where no ticket event ended the record


def _str(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("void_reason", _str(32), nullable=True))
        batch_op.add_column(sa.Column("voided_at", _ts(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("voided_by_event_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_supervision_orders_voided_by_event_id_ticket_events"),
            "ticket_events",
            ["voided_by_event_id"],
            ["id"],
        )
    with op.batch_alter_table("extensions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_at", _ts(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("superseded_by", _str(32), nullable=True))
        batch_op.add_column(sa.Column("superseded_by_event_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_extensions_superseded_by_event_id_ticket_events"),
            "ticket_events",
            ["superseded_by_event_id"],
            ["id"],
        )
    _add_merge_root()
    now = datetime.now(UTC)
    _end_stale_orders(now)
    _supersede_orphaned_requests(now)
    _root_merge_chains()


def _add_merge_root() -> None:
    fk = op.f("fk_tickets_merge_root_id_tickets")
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: rebuilding `tickets` means dropping it, which SQLite refuses while
        # other tables' rows point at it. A nullable column may carry its REFERENCES inline.
        op.add_column(
            "tickets",
            sa.Column("merge_root_id", sa.Integer(), sa.ForeignKey("tickets.id", name=fk)),
            inline_references=True,
        )
    else:
        op.add_column("tickets", sa.Column("merge_root_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk, "tickets", "tickets", ["merge_root_id"], ["id"])
    op.create_index(op.f("ix_tickets_merge_root_id"), "tickets", ["merge_root_id"])


def _root_merge_chains() -> None:
    """merge_root_id := merged_into_id, then one hop further while the ticket it points to is
    itself merged; a chain can be no longer than the number of tickets, which bounds a cycle
    in bad data."""
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("merged_into_id", sa.Integer()),
        sa.column("merge_root_id", sa.Integer()),
    )
    bind = op.get_bind()
    bind.execute(
        tickets.update()
        .where(tickets.c.status == "merged", tickets.c.merged_into_id.is_not(None))
        .values(merge_root_id=tickets.c.merged_into_id)
    )
    hop = sa.alias(tickets, "hop")
    further = (
        sa.select(hop.c.merged_into_id)
        .where(
            hop.c.id == tickets.c.merge_root_id,
            hop.c.status == "merged",
            hop.c.merged_into_id.is_not(None),
        )
        .scalar_subquery()
    )
    longest = bind.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one()
    for _ in range(longest):
        moved = bind.execute(
            tickets.update()
            .where(tickets.c.merge_root_id.is_not(None), further.is_not(None))
            .values(merge_root_id=further)
        )
        if not moved.rowcount:
            break


def _end_stale_orders(now: datetime) -> None:
    orders = sa.table(
        "supervision_orders",
        sa.column("ticket_id", sa.Integer()),
        sa.column("department_id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("void_reason", sa.String()),
        sa.column("voided_at", _ts(timezone=True)),
        sa.column("updated_at", _ts(timezone=True)),
    )
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("lead_department_id", sa.Integer()),
    )
    still_held = (
        sa.select(sa.literal(1))
        .where(
            tickets.c.id == orders.c.ticket_id,
            tickets.c.lead_department_id == orders.c.department_id,
            tickets.c.status.not_in(["submitted", "rejected", "withdrawn", "merged"]),
        )
        .exists()
    )
    op.execute(
        orders.update()
        .where(orders.c.status.in_(["open", "acknowledged"]), ~still_held)
        .values(status="void", void_reason=MIGRATION, voided_at=now, updated_at=now)
    )


def _supersede_orphaned_requests(now: datetime) -> None:
    extensions = sa.table(
        "extensions",
        sa.column("ticket_id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("superseded_at", _ts(timezone=True)),
        sa.column("superseded_by", sa.String()),
    )
    tickets = sa.table("tickets", sa.column("id", sa.Integer()), sa.column("status", sa.String()))
    decidable = (
        sa.select(sa.literal(1))
        .where(tickets.c.id == extensions.c.ticket_id, tickets.c.status == "accepted")
        .exists()
    )
    op.execute(
        extensions.update()
        .where(extensions.c.status == "pending", ~decidable)
        .values(status="superseded", superseded_at=now, superseded_by=MIGRATION)
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":  # inline there: it goes with its column
            batch_op.drop_constraint(
                batch_op.f("fk_tickets_merge_root_id_tickets"), type_="foreignkey"
            )
        batch_op.drop_index(batch_op.f("ix_tickets_merge_root_id"))
        batch_op.drop_column("merge_root_id")
    extensions = sa.table("extensions", sa.column("status", sa.String()))
    # An older release knows no superseded request; denied is the nearest ending it knows.
    op.execute(
        extensions.update().where(extensions.c.status == "superseded").values(status="denied")
    )
    with op.batch_alter_table("extensions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_extensions_superseded_by_event_id_ticket_events"), type_="foreignkey"
        )
        batch_op.drop_column("superseded_by_event_id")
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("superseded_at")
    orders = sa.table("supervision_orders", sa.column("status", sa.String()))
    # An older release knows no void order; closed is the nearest ending it knows.
    op.execute(orders.update().where(orders.c.status == "void").values(status="closed"))
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_supervision_orders_voided_by_event_id_ticket_events"),
            type_="foreignkey",
        )
        batch_op.drop_column("voided_by_event_id")
        batch_op.drop_column("voided_at")
        batch_op.drop_column("void_reason")
