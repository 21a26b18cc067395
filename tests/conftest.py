"""Test harness.

The schema is built once per run with alembic (never ``create_all``), on SQLite or — with
HUIYIN_TEST_DB=postgres — on a fresh PostgreSQL database made for this run. Each test runs inside
a transaction that is rolled back afterwards; the app's per-request sessions join it through
savepoints, so requests still commit and roll back as they would in production.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend import migrate
from backend.calendar.service import invalidate_calendar_cache
from backend.config import Settings
from backend.core.clock import Clock, FrozenClock, set_clock
from backend.db import make_engine
from backend.main import create_app
from tests.pg_probe import ADMIN_DSN, reachable

TEST_SECRET = "test-secret-key-0123456789abcdef-0123456789abcdef"
BACKEND = os.environ.get("HUIYIN_TEST_DB", "sqlite")
# A Tuesday, a working day, in term time.
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def pg_url(dbname: str) -> str:
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


def create_pg_database() -> str:
    name = f"huiyin_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "postgres":
        if not reachable():
            pytest.exit("HUIYIN_TEST_DB=postgres but no PostgreSQL answers", returncode=3)
        name = create_pg_database()
        try:
            yield pg_url(name)
        finally:
            drop_pg_database(name)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'huiyin.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        secret_key=TEST_SECRET,
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        login_max_failures_per_ip=10_000,
        public_submit_per_hour=10_000,
        public_lookup_per_minute=10_000,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[sa.Engine]:
    migrate.upgrade(settings.database_url)
    eng = make_engine(settings.database_url, settings)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


def _joined_session(conn: sa.Connection) -> Session:
    return Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection: sa.Connection) -> Iterator[Session]:
    """A session for arranging and checking data; sees what requests wrote."""
    session = _joined_session(connection)
    yield session
    session.close()


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> None:
    # Calendar edits of an earlier test were rolled back behind the per-process cache's back.
    invalidate_calendar_cache()


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    c = FrozenClock(T0)
    set_clock(c)
    yield c
    set_clock(Clock())


@pytest.fixture(scope="session")
def shared_app(settings: Settings):  # type: ignore[no-untyped-def]
    # One app for the run: building the app and its first request cost far more than a test.
    return create_app(settings=settings)


@pytest.fixture
def app(shared_app, settings: Settings, connection: sa.Connection, clock: FrozenClock):  # type: ignore[no-untyped-def]
    """The shared app, bound for this test to the test's transaction and default settings."""

    def factory(write: bool = True) -> Session:
        return _joined_session(connection)

    shared_app.state.session_factory = factory
    shared_app.state.settings = settings
    yield shared_app
    shared_app.state.settings = settings


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def count_queries(engine: sa.Engine) -> Iterator[Callable[[], int]]:
    """Counts SQL statements sent while the returned callable's counter runs."""
    counter = {"n": 0}

    def on_execute(*_args: object) -> None:
        counter["n"] += 1

    sa.event.listen(engine, "before_cursor_execute", on_execute)

    def read() -> int:
        return counter["n"]

    yield read
    sa.event.remove(engine, "before_cursor_execute", on_execute)


def pytest_report_header(config: pytest.Config) -> str:
    return f"huiyin test database: {BACKEND}"


@pytest.fixture(scope="session")
def data_dir(settings: Settings) -> Path:
    return settings.data_dir


@pytest.fixture
def world(db: Session, settings: Settings, client: TestClient):  # type: ignore[no-untyped-def]
    from tests.factories import build_world

    return build_world(db, settings, client)
