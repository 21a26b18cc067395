"""A database of its own, where requests really commit.

The ``client`` fixture runs every request inside the test's one transaction, through savepoints:
a rolled-back request there also rolls back a count written beside it, and nothing ever waits
for a lock. Rate limits, throttles and write turns are tested here instead: a fresh database of
the run's backend (HUIYIN_TEST_DB), migrated by alembic, and apps whose sessions come from a
real engine. Import the fixture into a test module: ``from tests.committed import committed``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backend.config import Settings
from backend.db import make_engine, open_session
from backend.main import create_app
from tests.conftest import BACKEND, TEST_SECRET
from tests.own_db import own_database


@dataclass
class Committed:
    engine: sa.Engine
    settings: Settings

    def app(self, **overrides: Any) -> FastAPI:
        """The app with these settings changed, each request in its own committed transaction."""
        engine = self.engine
        return create_app(
            settings=self.settings.model_copy(update=overrides),
            session_factory=lambda write=True: open_session(engine, write=write),
        )

    def client(self, app: FastAPI, address: str = "testclient") -> TestClient:
        """A client of ``app`` calling from ``address`` (enter it with ``with``)."""
        return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Committed]:
    with own_database(BACKEND, tmp_path_factory.mktemp("committed")) as url:
        settings = Settings(
            environment="test",
            secret_key=TEST_SECRET,
            database_url=url,
            data_dir=tmp_path_factory.mktemp("committed-data"),
        )
        engine = make_engine(url, settings)
        try:
            yield Committed(engine, settings)
        finally:
            engine.dispose()
