"""Fixtures of the auth tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.main import create_app

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(
    settings: Settings, connection: sa.Connection, clock: FrozenClock
) -> Iterator[MakeClient]:
    """A client of a fresh app whose settings differ, e.g. stricter login limits."""
    with ExitStack() as stack:

        def make(address: str = "testclient", **overrides: Any) -> TestClient:
            changed = settings.model_copy(update=overrides)

            def factory(write: bool = True) -> Session:
                return Session(
                    bind=connection,
                    join_transaction_mode="create_savepoint",
                    expire_on_commit=False,
                )

            app = create_app(settings=changed, session_factory=factory)
            client = TestClient(app, raise_server_exceptions=False, client=(address, 50000))
            return stack.enter_context(client)

        yield make
