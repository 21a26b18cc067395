"""Migrations: upgrade head from empty, downgrade base, upgrade head again; the migrated schema
matches the models (no pending autogenerate diff).

These tests make their own databases (a file in ``tmp_path``, a fresh PostgreSQL database) and do
not use the shared test schema, so they do not depend on HUIYIN_TEST_DB. The SQLite case is cheap
and runs in every pass. The PostgreSQL case runs once per ``make test``: in the SQLite pass, the
pass that always runs — the same rule as the concurrency tests, which also build their own
databases. In the HUIYIN_TEST_DB=postgres pass it is skipped as already covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backend import migrate
from backend.models import OutboxDelivery, OutboxMessage, metadata, table
from backend.models.types import UTCDateTime
from tests import pg_probe
from tests.conftest import BACKEND, create_pg_database, drop_pg_database, pg_url

MODEL_TABLES = frozenset(metadata.tables)
VERSION_TABLE = "alembic_version"


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _head_revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _schema_diff(url: str) -> list[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    assert _tables(url) == set(), "the database must start empty"

    migrate.upgrade(url)
    assert _tables(url) == MODEL_TABLES | {VERSION_TABLE}
    assert _head_revision(url) is not None
    assert _schema_diff(url) == []

    migrate.downgrade(url)
    # alembic keeps its (now empty) version table; every table of ours is gone.
    assert _tables(url) - {VERSION_TABLE} == set()
    assert _head_revision(url) is None

    migrate.upgrade(url)
    assert _tables(url) == MODEL_TABLES | {VERSION_TABLE}
    assert _schema_diff(url) == []


def test_models_define_the_expected_tables() -> None:
    # Guards the comparisons below against an empty or half-imported metadata.
    assert {"units", "users", "tickets", "ticket_events", "outbox"} <= MODEL_TABLES


def test_sqlite_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'migrations.db'}")


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    if BACKEND != "sqlite":
        pytest.skip("runs once per make test, in the sqlite pass (it makes its own database)")
    if not pg_probe.reachable():
        pytest.skip(f"no PostgreSQL answers at {pg_probe.ADMIN_DSN}")
    name = create_pg_database()
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


def test_postgres_upgrade_downgrade_upgrade(fresh_pg_url: str) -> None:
    _round_trip(fresh_pg_url)


# --- 0004: the outbox's delivery state moves to one row per (event, consumer) --------------------

T = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
# The delivery state: what the old outbox rows had, and each delivery now has.
_STATE = tuple(
    c.name for c in table(OutboxDelivery).c if c.name not in ("id", "event_id", "consumer")
)
_old = sa.MetaData()
OLD_OUTBOX = sa.Table(  # the outbox as revision 0003 left it
    "outbox",
    _old,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("topic", sa.String(64)),
    sa.Column("payload", sa.JSON),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("available_at", UTCDateTime()),
    sa.Column("attempts", sa.Integer),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", UTCDateTime()),
    sa.Column("sent_at", UTCDateTime()),
    sa.Column("failed_at", UTCDateTime()),
    sa.Column("last_error", sa.Text),
)
_NONE = dict.fromkeys(_STATE) | {"attempts": 0}


def _state(minutes: int = 0, **values: Any) -> dict[str, Any]:
    return _NONE | {"available_at": T + timedelta(minutes=minutes), **values}


# id: (topic, its delivery state in the old layout)
OLD_ROWS: dict[int, tuple[str, dict[str, Any]]] = {
    1: ("ticket.dispatch", _state(1, attempts=2, last_error="OperationalError")),
    2: ("mail.send", _state(attempts=8, failed_at=T, last_error="550 no such user")),
    3: ("sla.reminder", _state(1, attempts=1, claimed_by="w1", claimed_at=T, sent_at=T)),
    4: ("supervision.raised", _state(1, attempts=1, claimed_by="w2", claimed_at=T)),  # claimed
    5: ("webhook.future", _state()),  # no handler had this topic
}
CONSUMER = {1: "notifications", 2: "mail", 3: "notifications", 4: "notifications"}


def _rows(url: str, stmt: sa.Select[Any]) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]
    finally:
        engine.dispose()


def _execute(url: str, stmt: sa.Executable, rows: list[dict[str, Any]]) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(stmt, rows)
    finally:
        engine.dispose()


def _moves_and_folds_back(url: str) -> None:
    migrate.upgrade(url, "0003")
    _execute(
        url,
        OLD_OUTBOX.insert(),
        [
            {"id": i, "topic": topic, "payload": {"n": i}, "created_at": T, **state}
            for i, (topic, state) in OLD_ROWS.items()
        ],
    )
    migrate.upgrade(url)

    events = _rows(url, sa.select(table(OutboxMessage)).order_by("id"))
    assert events == [
        {"id": i, "topic": topic, "payload": {"n": i}, "created_at": T}
        for i, (topic, _) in OLD_ROWS.items()
    ]
    deliveries = table(OutboxDelivery)
    moved = {
        r.pop("event_id"): r
        for r in _rows(url, sa.select(*[c for c in deliveries.c if c.name != "id"]))
    }
    # every row with a handler, in whatever state it was: pending, failed, delivered, claimed
    assert moved == {i: {"consumer": CONSUMER[i], **OLD_ROWS[i][1]} for i in CONSUMER}

    # a second consumer of event 3 has not delivered it yet: the old row is not delivered
    pending = _state(60, attempts=1, last_error="502")
    _execute(url, deliveries.insert(), [{"event_id": 3, "consumer": "webhooks", **pending}])
    migrate.downgrade(url, "0003")
    back = {r.pop("id"): r for r in _rows(url, sa.select(OLD_OUTBOX))}
    assert {i: r.pop("payload") for i, r in back.items()} == {i: {"n": i} for i in OLD_ROWS}
    expected = {
        i: {"topic": topic, "created_at": T, **state} for i, (topic, state) in OLD_ROWS.items()
    }
    expected[3] |= pending
    expected[5] |= {"available_at": T, "sent_at": T}  # nothing owed on it
    assert back == expected
    migrate.upgrade(url)  # and up again
    assert _head_revision(url) is not None


def test_sqlite_0004_moves_delivery_state_and_folds_it_back(tmp_path: Path) -> None:
    _moves_and_folds_back(f"sqlite:///{tmp_path / 'outbox.db'}")


def test_postgres_0004_moves_delivery_state_and_folds_it_back(fresh_pg_url: str) -> None:
    _moves_and_folds_back(fresh_pg_url)
