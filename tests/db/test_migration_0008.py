"""Migration 0008 ends what the old code left with no way to end (issue 8, defects 1–3):
live orders of a department that no longer holds the ticket become void, requests pending on a
ticket that is not accepted become superseded, and merged tickets get their merge root.

Like test_migrations it builds its own databases: SQLite in every pass, PostgreSQL once per
``make test`` (in the SQLite pass)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from backend import migrate
from tests.db.test_migrations import fresh_pg_url

__all__ = ["fresh_pg_url"]  # the PostgreSQL database, made and dropped as test_migrations does

T = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm0008.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


def _t(name: str, *cols: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in cols))


UNIT_COLS = ("id", "kind", "name", "code", "is_active", "created_at")
UNITS = _t("units", *UNIT_COLS)
USER_COLS = ("id", "username", "display_name", "password_hash", "unit_id", "role", "is_admin")
USER_COLS += ("is_active", "created_at", "notify_email")
TICKET_COLS = ("id", "code", "title", "content", "status", "urgency", "anonymity", "channel")
TICKET_COLS += ("lead_department_id", "merged_into_id", "return_count", "reopen_count")
TICKET_COLS += ("extension_count", "urge_count", "created_at", "updated_at", "version")
TICKETS = _t("tickets", *TICKET_COLS)


def row(cols: tuple[str, ...], *values: Any) -> dict[str, Any]:
    return dict(zip(cols, values, strict=True))


def ticket(tid: int, status: str, lead: int | None = None, into: int | None = None) -> Any:
    values = (tid, f"HY-{tid}", "t", "c", status, "normal", "named", "web", lead, into)
    return row(TICKET_COLS, *values, 0, 0, 0, 0, T, T, 1)


ORDER_COLS = ("id", "ticket_id", "department_id", "reason", "deadline", "auto", "status")
ORDER_COLS += ("created_at", "updated_at")


def order(oid: int, tid: int, dept: int, status: str) -> dict[str, Any]:
    return row(ORDER_COLS, oid, tid, dept, "r", T, False, status, T, T)


EXTENSION_COLS = ("id", "ticket_id", "department_id", "requested_by_id", "days", "reason")
EXTENSION_COLS += ("status", "created_at")


def extension(eid: int, tid: int, status: str) -> dict[str, Any]:
    return row(EXTENSION_COLS, eid, tid, 1, 1, 2, "r", status, T)


def test_0008_ends_what_had_no_way_to_end(url: str) -> None:
    migrate.upgrade(url, "0007")
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
                TICKETS.insert(),
                [
                    ticket(1, "submitted"),  # returned by department 1
                    ticket(2, "accepted", lead=2),  # re-dispatched to department 2
                    ticket(3, "replied", lead=1),
                    ticket(4, "accepted", lead=1),
                    ticket(10, "dispatched", lead=1),  # S, the root
                    ticket(11, "merged", into=10),  # R, merged into S after X was into R
                    ticket(12, "merged", into=11),  # X
                ],
            )
            conn.execute(
                _t("supervision_orders", *ORDER_COLS).insert(),
                [
                    order(1, 1, 1, "acknowledged"),  # its department returned the ticket
                    order(2, 2, 1, "open"),  # of the department that returned it
                    order(3, 2, 2, "open"),  # of the department that holds it: stays
                    order(4, 3, 1, "open"),  # answered, still its department's: stays
                    order(5, 1, 1, "closed"),
                ],
            )
            conn.execute(
                _t("extensions", *EXTENSION_COLS).insert(),
                [extension(1, 3, "pending"), extension(2, 4, "pending"), extension(3, 3, "denied")],
            )
        migrate.upgrade(url)
        with engine.connect() as conn:
            orders = {
                r.id: (r.status, r.void_reason, r.voided_at is not None)
                for r in conn.execute(sa.text("SELECT * FROM supervision_orders"))
            }
            extensions = {
                r.id: (r.status, r.superseded_by, r.superseded_at is not None)
                for r in conn.execute(sa.text("SELECT * FROM extensions"))
            }
            roots = dict(
                conn.execute(sa.text("SELECT id, merge_root_id FROM tickets ORDER BY id")).all()
            )
    finally:
        engine.dispose()
    assert orders == {
        1: ("void", "migration", True),
        2: ("void", "migration", True),
        3: ("open", None, False),
        4: ("open", None, False),
        5: ("closed", None, False),
    }
    assert extensions == {
        1: ("superseded", "migration", True),
        2: ("pending", None, False),
        3: ("denied", None, False),
    }
    assert roots == {1: None, 2: None, 3: None, 4: None, 10: None, 11: 10, 12: 10}
