"""What ends when a ticket moves on, decided in one place for every transition (see
``context.transition``), so that no action can forget it.

- A department lets go of the ticket (it moves to a state no department holds it in: returned
  to ``submitted``, ``rejected``, ``withdrawn``, ``merged``): its live supervision orders end as
  ``void`` (see ``backend.supervision``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.models import Ticket, TicketEvent
from backend.models.enums import Status
from backend.supervision.service import void_orders

if TYPE_CHECKING:
    from backend.tickets.context import Ctx

# No department holds a ticket in these states.
RELEASED = frozenset({Status.submitted, Status.rejected, Status.withdrawn, Status.merged})


def after_move(ctx: Ctx, ticket: Ticket, from_status: str, event: TicketEvent) -> None:
    """``event`` moved ``ticket`` from ``from_status`` to its current state."""
    if ticket.status == from_status:
        return
    if ticket.status in RELEASED:
        void_orders(ctx.session, ticket, event, ctx.now)
