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
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backend import migrate
from backend.models import metadata
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
