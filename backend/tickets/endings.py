"""What ends when a ticket moves on, decided in one place for every transition (see
``context.transition``), so that no action can forget it.

- A department lets go of the ticket (it moves to a state no department holds it in: returned
  to ``submitted``, ``rejected``, ``withdrawn``, ``merged``): its live supervision orders end as
  ``void`` (see ``backend.supervision``).
- The ticket leaves ``accepted`` (today only by the reply; a reopen leads back to
  ``dispatched``): an extension request still pending can no longer be decided and ends as
  ``superseded``. A reopened ticket may ask again; the limit counts approved extensions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col

from backend.models import Extension, Ticket
from backend.models.enums import ExtensionStatus, Status, VoidReason
from backend.supervision.service import void_orders

if TYPE_CHECKING:
    from backend.tickets.context import Ctx
    from backend.tickets.transitions import Action

# No department holds a ticket in these states.
RELEASED = frozenset({Status.submitted, Status.rejected, Status.withdrawn, Status.merged})


def after_move(ctx: Ctx, ticket: Ticket, from_status: str, action: Action, event_id: int) -> None:
    """``action`` (its timeline event: ``event_id``) moved ``ticket`` from ``from_status`` to
    its current state."""
    if ticket.status == from_status:
        return
    if from_status == Status.accepted:
        supersede_extensions(ctx, ticket, action, event_id)
    if ticket.status in RELEASED:
        void_orders(ctx.session, ticket, VoidReason(action.value), event_id, ctx.now)


def supersede_extensions(
    ctx: Ctx, ticket: Ticket, action: Action, event_id: int
) -> list[Extension]:
    pending = list(
        ctx.session.execute(
            sa.select(Extension).where(
                col(Extension.ticket_id) == ticket.id,
                col(Extension.status) == ExtensionStatus.pending.value,
            )
        ).scalars()
    )
    for ext in pending:
        ext.status = ExtensionStatus.superseded.value
        ext.superseded_at = ctx.now
        ext.superseded_by = action.value
        ext.superseded_by_event_id = event_id
    return pending
