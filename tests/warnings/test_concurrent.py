"""Workers sweeping at once raise each warning once.

Each backend gets a database of its own (the rollback fixtures share one connection, which can
show no race); eight threads with their own connections and transactions run the sweep at the
same instant, held at a barrier. On PostgreSQL the unique (rule, department, window) key and
ON CONFLICT DO NOTHING decide; SQLite writers take turns. Like tests/sla/test_concurrent_sweeps,
this runs in the sqlite pass only (it makes its own PostgreSQL database).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend import migrate
from backend.config import Settings
from backend.db import make_engine, session_scope
from backend.models import ConcentrationWarning, OutboxMessage, Ticket, WarningRule
from backend.models.enums import UnitKind
from backend.warnings.sweeps import sweep_warnings
from tests import pg_probe
from tests.conftest import BACKEND, TEST_SECRET, create_pg_database, drop_pg_database, pg_url
from tests.factories import create_unit

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite",
    reason="builds its own databases: runs once per make test, in the sqlite pass",
)

WORKERS = 8
DEPARTMENTS = 5
NOW = datetime(2026, 3, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday


@pytest.fixture(params=["sqlite", "postgres"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warnings.db'}"
        return
    if not pg_probe.reachable():
        pytest.skip("no PostgreSQL answers at 127.0.0.1:5432")
    name = create_pg_database()
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


def seed(engine: sa.Engine) -> None:
    """Three overdue tickets and three new ones for each department, and a rule of each kind
    that holds for all of them."""
    with session_scope(engine) as s:
        college = create_unit(s, UnitKind.college)
        for _ in range(DEPARTMENTS):
            dept = create_unit(s, UnitKind.department)
            for i in range(3):
                s.add(
                    Ticket(
                        code=f"CW-{uuid.uuid4().hex[:10]}",
                        title="并发预警",
                        content="多个 worker 同时扫描。",
                        status="accepted",
                        college_id=college.id,
                        lead_department_id=dept.id,
                        reply_due_at=NOW - timedelta(days=3 + i),
                        due_at=NOW - timedelta(days=3 + i),
                        created_at=NOW - timedelta(days=1),
                        updated_at=NOW - timedelta(days=1),
                    )
                )
        for kind, days in (("volume", 7), ("overdue", None)):
            s.add(WarningRule(name=kind, kind=kind, threshold=3, days=days, created_at=NOW))


def race(engine: sa.Engine, settings: Settings) -> list[int]:
    barrier = threading.Barrier(WORKERS)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            with session_scope(engine) as s:
                results.append(sweep_warnings(s, NOW, settings))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == WORKERS
    return results


def test_concurrent_sweeps_raise_each_warning_once(engine_url: str, tmp_path: Path) -> None:
    migrate.upgrade(engine_url)
    settings = Settings(
        environment="test", secret_key=TEST_SECRET, database_url=engine_url, data_dir=tmp_path
    )
    engine = make_engine(engine_url, settings)
    try:
        seed(engine)
        first = race(engine, settings)
        again = race(engine, settings)
        assert sum(first) == 2 * DEPARTMENTS
        assert again == [0] * WORKERS
        with session_scope(engine) as s:
            keys = Counter(
                s.execute(
                    sa.select(
                        col(ConcentrationWarning.rule_id), col(ConcentrationWarning.department_id)
                    )
                ).all()
            )
            topics = Counter(s.execute(sa.select(col(OutboxMessage.topic))).scalars())
        assert len(keys) == 2 * DEPARTMENTS
        assert set(keys.values()) == {1}
        assert topics == {"warning.raised": 2 * DEPARTMENTS}
    finally:
        engine.dispose()
