"""Engine and the one-transaction-per-request session.

SQLite runs in WAL mode with a busy timeout. Write requests open their transaction with
``BEGIN IMMEDIATE`` so that concurrent writers queue on the lock instead of failing with
SQLITE_BUSY when a read snapshot would have to be upgraded.
"""

from __future__ import annotations

import fcntl
import os
import threading
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


class WriteTurn:
    """The turn to write one SQLite database, across threads and worker processes.

    SQLite's busy handler polls with sleeps of up to 100 ms, so a writer of another process
    would idle long after the lock is free. A blocking flock on a side file hands the turn
    over at once, and BEGIN IMMEDIATE then finds the database free.

    The turn belongs to the DBAPI connection that took it, and only that connection's return to
    the pool hands it on: a session that never wrote (or another thread) cannot release it.
    """

    def __init__(self, db_path: str) -> None:
        self.path = db_path + ".writelock"
        self._fd: int | None = None
        self._mutex = threading.Lock()
        self._owner: object | None = None

    @property
    def held(self) -> bool:
        return self._owner is not None

    def held_by(self, owner: object) -> bool:
        return self._owner is owner

    def acquire(self, owner: object) -> None:
        if self._owner is owner:  # a second transaction on the connection that holds it
            return
        self._mutex.acquire()
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._mutex.release()
            raise
        self._owner = owner

    def release(self, owner: object) -> bool:
        """Hand the turn on if ``owner`` holds it; for anyone else nothing changes (False)."""
        if owner is None or self._owner is not owner or self._fd is None:
            return False
        self._owner = None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._mutex.release()
        return True


_turns: dict[str, WriteTurn] = {}
_session_engines: dict[tuple[int, bool], sa.Engine] = {}


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
            # Read pages through a shared memory map instead of copying them into each
            # connection's private cache: every pooled connection and worker shares the OS cache.
            cur.execute("PRAGMA mmap_size=1073741824")
            cur.execute("PRAGMA cache_size=-16000")
            cur.close()

        turn = None
        if ":memory:" not in url:
            turn = _turns.setdefault(str(engine.url), WriteTurn(url.removeprefix("sqlite:///")))

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            if not conn.get_execution_options().get(WRITE_OPTION, False):
                conn.exec_driver_sql("BEGIN")
                return
            owner = conn.connection.dbapi_connection
            if turn is not None:
                turn.acquire(owner)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if turn is not None:
                    turn.release(owner)
                raise

        if turn is not None:
            # After COMMIT or ROLLBACK the connection goes back to the pool: only then, and only
            # for the connection that took it, is the turn handed on.
            @event.listens_for(engine, "checkin")
            def _sqlite_checkin(dbapi_conn: Any, _record: Any) -> None:
                turn.release(dbapi_conn)

            @event.listens_for(engine, "invalidate")
            def _sqlite_invalidate(dbapi_conn: Any, _record: Any, _exc: Any) -> None:
                turn.release(dbapi_conn)

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
    """A session that connects on first use; a writing one begins (on SQLite) with the write
    turn and BEGIN IMMEDIATE, in whichever thread first touches the database."""
    engine = engine or get_engine()
    key = (id(engine), write)
    if key not in _session_engines:
        variant: sa.Engine
        if write:
            variant = engine.execution_options(**{WRITE_OPTION: True})
        elif engine.dialect.name == "postgresql":
            # A read request needs no transaction block on PostgreSQL (each statement has its
            # own snapshot under READ COMMITTED anyway): no BEGIN and ROLLBACK round trips.
            variant = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            variant = engine
        _session_engines[key] = variant
    return Session(_session_engines[key], expire_on_commit=False)


def finish(session: Session, commit: bool) -> None:
    """Commit or roll back. The session's connection returns to the pool, which hands the SQLite
    write turn on if that connection holds it (see WriteTurn)."""
    if commit:
        session.commit()
    else:
        session.rollback()


def write_turn(engine: sa.Engine) -> WriteTurn | None:
    """The write turn of a file SQLite engine (None for PostgreSQL and in-memory SQLite)."""
    return _turns.get(str(engine.url))


@contextmanager
def session_scope(engine: sa.Engine | None = None, *, write: bool = True) -> Iterator[Session]:
    """A unit of work outside a request (CLI, worker, seeding): commit on success."""
    with open_session(engine, write=write) as session:
        try:
            yield session
        except BaseException:
            finish(session, False)
            raise
        finish(session, True)
