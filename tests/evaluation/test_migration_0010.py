"""Migration 0010 backfills ``assignment_facts`` from a history written before it existed.

Like test_migration_0008 it builds its own databases: SQLite in every pass, PostgreSQL once per
``make test`` (in the SQLite pass). The history is hand-made, as the timeline of 0009 kept it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from backend import migrate
from backend.models.types import UTCDateTime
from tests.db.test_migration_0008 import TICKETS, UNIT_COLS, UNITS, USER_COLS, _t, row, ticket
from tests.db.test_migrations import fresh_pg_url

__all__ = ["fresh_pg_url"]

T = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
EVENT_COLS = ("id", "ticket_id", "action", "from_status", "to_status", "by_submitter")
EVENT_COLS += ("internal", "data", "created_at")
# Typed where the driver needs it: the details are JSON, the times as the app stores them.
EVENTS = sa.table(
    "ticket_events",
    *(sa.column(c) for c in EVENT_COLS[:-2]),
    sa.column("data", sa.JSON()),
    sa.column("created_at", UTCDateTime()),
)


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm0010.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


def event(eid: int, tid: int, action: str, frm: str, to: str, hours: int, **data: Any) -> Any:
    return row(
        EVENT_COLS, eid, tid, action, frm, to, False, False, data, T + timedelta(hours=hours)
    )


def iso(hours: int) -> str:
    return (T + timedelta(hours=hours)).isoformat()


def test_0010_replays_the_timeline_and_skips_what_no_longer_parses(url: str) -> None:
    migrate.upgrade(url, "0009")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                UNITS.insert(),
                [
                    row(UNIT_COLS, i, kind, f"{kind}{i}", f"u{i}", True, T)
                    for i, kind in ((1, "department"), (2, "department"), (3, "college"))
                ],
            )
            users = _t("users", *USER_COLS)
            conn.execute(
                users.insert(),
                [row(USER_COLS, 1, "u", "u", "x", 1, "staff", False, True, T, "each")],
            )
            conn.execute(
                TICKETS.insert(), [ticket(1, "replied", lead=1), ticket(2, "dispatched", lead=1)]
            )
            dispatched = {"lead_department_id": 1, "assisting_department_ids": [2]}
            conn.execute(
                EVENTS.insert(),
                [
                    event(
                        1, 1, "submit", "", "submitted", 0, channel="web", dispatch_due_at=iso(4)
                    ),
                    event(
                        2,
                        1,
                        "dispatch",
                        "submitted",
                        "dispatched",
                        1,
                        **dispatched,
                        accept_due_at=iso(20),
                        reply_due_at=iso(100),
                    ),
                    event(3, 1, "accept", "dispatched", "accepted", 2, department_id=1),
                    event(
                        4,
                        1,
                        "decide_extension",
                        "accepted",
                        "accepted",
                        3,
                        extension_id=1,
                        approved=True,
                        days=2,
                        reply_due_at=iso(150),
                    ),
                    event(
                        5,
                        1,
                        "reply",
                        "accepted",
                        "replied",
                        4,
                        department_id=1,
                        on_time=True,
                        revisit_due_at=iso(40),
                    ),
                    # An older dispatch without its deadlines: nothing to say who held it when.
                    event(6, 2, "dispatch", "submitted", "dispatched", 5, lead_department_id=1),
                    event(7, 2, "accept", "dispatched", "accepted", 6, department_id=1),
                ],
            )
        migrate.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT ticket_id, department_id, role, round_no, accepted_at, replied_at,"
                    " reply_due_at FROM assignment_facts ORDER BY ticket_id, role DESC"
                )
            ).all()
    finally:
        engine.dispose()

    def when(value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    got = [(r[0], r[1], r[2], r[3], when(r[4]), when(r[5]), when(r[6])) for r in rows]
    extended = T + timedelta(hours=150)
    assert got == [
        (1, 1, "lead", 1, T + timedelta(hours=2), T + timedelta(hours=4), extended),
        (1, 2, "assist", 1, None, None, extended),
    ]
