"""The SQLite write turn belongs to the connection that took it.

Before, ``finish`` released the turn of whatever session it was given: a reading session (or a
worker session that never wrote) finishing while a request was writing handed that request's turn
to the next writer. The checks look at the lock file itself, through a descriptor of their own,
so they hold whatever the turn's bookkeeping says.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend import migrate
from backend.config import Settings
from backend.db import finish, make_engine, open_session, write_turn
from tests.conftest import TEST_SECRET


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    url = f"sqlite:///{tmp_path / 'turn.db'}"
    migrate.upgrade(url)
    eng = make_engine(url, Settings(environment="test", secret_key=TEST_SECRET, database_url=url))
    yield eng
    eng.dispose()


def lock_file_is_free(engine: sa.Engine) -> bool:
    """Whether another writer could take the turn's file lock right now."""
    turn = write_turn(engine)
    assert turn is not None
    fd = os.open(turn.path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing the descriptor drops a lock taken through it
    return True


def test_a_reading_session_finishing_does_not_hand_on_a_writers_turn(engine: sa.Engine) -> None:
    writer = open_session(engine, write=True)
    writer.execute(sa.text("SELECT 1"))  # BEGIN IMMEDIATE: the writer now holds the turn
    assert not lock_file_is_free(engine)

    reader = open_session(engine, write=False)
    reader.execute(sa.text("SELECT 1"))
    finish(reader, True)
    reader.close()
    assert not lock_file_is_free(engine)

    idle = open_session(engine, write=True)  # a writing session that never touched the database
    finish(idle, False)
    idle.close()
    assert not lock_file_is_free(engine)

    finish(writer, True)
    writer.close()
    assert lock_file_is_free(engine)


def test_release_by_anyone_but_the_holder_changes_nothing(engine: sa.Engine) -> None:
    turn = write_turn(engine)
    assert turn is not None
    writer = open_session(engine, write=True)
    writer.execute(sa.text("SELECT 1"))
    holder = writer.connection().connection.dbapi_connection
    assert turn.held_by(holder)

    assert turn.release(object()) is False
    assert turn.release(None) is False
    assert turn.held_by(holder)
    assert not lock_file_is_free(engine)

    finish(writer, False)
    writer.close()
    assert not turn.held
    assert lock_file_is_free(engine)


def test_the_next_writer_gets_the_turn_when_the_holder_commits(engine: sa.Engine) -> None:
    first = open_session(engine, write=True)
    first.execute(sa.text("SELECT 1"))
    turn = write_turn(engine)
    assert turn is not None
    took = threading.Event()

    def second_writer() -> None:
        s = open_session(engine, write=True)
        s.execute(sa.text("SELECT 1"))  # waits here for the turn
        took.set()
        finish(s, True)
        s.close()

    t = threading.Thread(target=second_writer)
    t.start()
    assert not took.is_set()
    finish(first, True)
    first.close()
    t.join(timeout=30)
    assert took.is_set()
    assert not turn.held
