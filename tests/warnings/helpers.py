"""Shared steps of the warning tests: rules through the API, the sweep as the worker runs it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.models import ConcentrationWarning
from backend.warnings.sweeps import sweep_warnings
from tests.factories import World, headers_for


def make_rule(world: World, **body: Any) -> dict[str, Any]:
    return world.ok("committee_staff", "POST", "/warnings/rules", json={"name": "意见集中", **body})


def sweep(db: Session, settings: Settings, clock: FrozenClock) -> int:
    return sweep_warnings(db, clock.now(), settings)


def warnings_of(db: Session, rule_id: int) -> list[ConcentrationWarning]:
    db.expire_all()
    return list(
        db.execute(
            sa.select(ConcentrationWarning)
            .where(col(ConcentrationWarning.rule_id) == rule_id)
            .order_by(col(ConcentrationWarning.id))
        ).scalars()
    )


def unsatisfied(world: World) -> dict[str, Any]:
    """A ticket answered by the lead department and scored 1, 2, 1 (overall 1)."""
    t = world.ticket_in("revisited")
    return world.ok(
        "college_staff",
        "POST",
        f"/tickets/{t['id']}/score",
        json={"efficiency": 1, "handling": 2, "effect": 1},
    )


def later(world: World, clock: FrozenClock, delta: timedelta) -> None:
    """Move the clock on, with fresh tokens for everyone (the old ones have expired)."""
    clock.advance(delta)
    for actor in world.actors.values():
        actor.headers.update(headers_for(world.db, world.settings, actor.user))
