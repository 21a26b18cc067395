"""A database of a test's own, migrated from empty: a SQLite file or a fresh PostgreSQL database
(skipped, with the reason, when no PostgreSQL answers). For tests that need real commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from backend import migrate
from tests import pg_probe
from tests.conftest import create_pg_database, drop_pg_database, pg_url


@contextmanager
def own_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a migrated database of ``kind`` (``sqlite`` or ``postgres``), dropped after."""
    name = None
    if kind == "postgres":
        if not pg_probe.reachable():
            pytest.skip(f"no PostgreSQL answers at {pg_probe.ADMIN_DSN}")
        name = create_pg_database()
        url = pg_url(name)
    else:
        url = f"sqlite:///{folder / 'own.db'}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        if name is not None:
            drop_pg_database(name)
