"""Engine and the one-transaction-per-request session.

SQLite runs in WAL mode with a busy timeout. Write requests open their transaction with
``BEGIN IMMEDIATE`` so that concurrent writers queue on the lock instead of failing with
SQLITE_BUSY when a read snapshot would have to be upgraded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.config import Settings, get_settings

WRITE_OPTION = "huiyin_write"


def make_engine(url: str, settings: Settings | None = None) -> sa.Engine:
    settings = settings or get_settings()
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            write = conn.get_execution_options().get(WRITE_OPTION, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return sa.create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
    )


def ensure_sqlite_folder(url: str) -> None:
    """A new SQLite database needs its folder (./var/ by default) to exist."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@lru_cache
def get_engine() -> sa.Engine:
    settings = get_settings()
    ensure_sqlite_folder(settings.resolved_database_url)
    return make_engine(settings.resolved_database_url, settings)


def open_session(engine: sa.Engine | None = None, *, write: bool = True) -> Session:
    session = Session(engine or get_engine(), expire_on_commit=False)
    if write:
        # Procure the connection now, flagged, so SQLite begins with BEGIN IMMEDIATE.
        session.connection(execution_options={WRITE_OPTION: True})
    return session


@contextmanager
def session_scope(engine: sa.Engine | None = None, *, write: bool = True) -> Iterator[Session]:
    """A unit of work outside a request (CLI, worker, seeding): commit on success."""
    with open_session(engine, write=write) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
