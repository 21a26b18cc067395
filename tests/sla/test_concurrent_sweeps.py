"""Several workers sweeping at once act once per ticket and deadline.

The rollback fixtures cannot show this (everything there shares one connection), so each backend
gets a database of its own, migrated from empty, and eight threads with their own connections
and transactions run the same sweeps at the same instant, held at a barrier, as eight workers
would. PostgreSQL: the candidates are locked FOR UPDATE SKIP LOCKED and the unique mark decides;
SQLite: writers take turns. Like tests/db/test_concurrency.py, this runs in the sqlite pass only.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend import migrate
from backend.config import Settings
from backend.db import make_engine, session_scope
from backend.models import OutboxMessage, SlaMark, SupervisionOrder, Ticket, TicketEvent
from backend.models.enums import UnitKind
from backend.sla.sweeps import sweep_overdue, sweep_reminders
from backend.supervision.sweeps import sweep_supervision
from tests import pg_probe
from tests.conftest import BACKEND, TEST_SECRET, create_pg_database, drop_pg_database, pg_url
from tests.factories import create_unit
from tests.sla.walk import local

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite",
    reason="builds its own databases: runs once per make test, in the sqlite pass",
)

WORKERS = 8
TICKETS = 60
NOW = local(2026, 3, 24, 9)  # Tuesday: 5 working days after Tuesday 17 March
DUE = local(2026, 3, 17, 10)


@pytest.fixture(params=["sqlite", "postgres"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sweeps.db'}"
        return
    if not pg_probe.reachable():
        pytest.skip("no PostgreSQL answers at 127.0.0.1:5432")
    name = create_pg_database()
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


def seed(engine: sa.Engine) -> list[int]:
    with session_scope(engine) as s:
        dept = create_unit(s, UnitKind.department)
        college = create_unit(s, UnitKind.college)
        rows = [
            Ticket(
                code=f"CS-{uuid.uuid4().hex[:10]}",
                title="并发催办",
                content="多个 worker 同时扫描。",
                status="accepted",
                college_id=college.id,
                lead_department_id=dept.id,
                dispatched_at=DUE - timedelta(days=7),
                accept_due_at=DUE - timedelta(days=6),
                reply_due_at=DUE + timedelta(minutes=i % 3),  # a few distinct deadlines
                due_at=DUE + timedelta(minutes=i % 3),
                created_at=DUE - timedelta(days=7),
                updated_at=DUE - timedelta(days=7),
            )
            for i in range(TICKETS)
        ]
        s.add_all(rows)
        s.flush()
        return [t.id for t in rows if t.id is not None]


def race(engine: sa.Engine, settings: Settings) -> list[dict[str, int]]:
    barrier = threading.Barrier(WORKERS)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            done = {}
            for name, fn in (
                ("overdue", sweep_overdue),
                ("supervision", sweep_supervision),
                ("reminder", sweep_reminders),
            ):
                with session_scope(engine) as s:
                    done[name] = fn(s, NOW, settings)
            results.append(done)
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


def test_concurrent_sweeps_act_once_per_ticket(engine_url: str, tmp_path: Path) -> None:
    migrate.upgrade(engine_url)
    settings = Settings(
        environment="test", secret_key=TEST_SECRET, database_url=engine_url, data_dir=tmp_path
    )
    engine = make_engine(engine_url, settings)
    try:
        ids = seed(engine)
        first = race(engine, settings)
        again = race(engine, settings)  # and once more: nothing left to do
        assert sum(r["overdue"] for r in first) == TICKETS
        assert sum(r["supervision"] for r in first) == TICKETS
        assert all(r == {"overdue": 0, "supervision": 0, "reminder": 0} for r in again)

        with session_scope(engine) as s:
            urges = Counter(
                s.execute(
                    sa.select(col(TicketEvent.ticket_id)).where(col(TicketEvent.action) == "urge")
                ).scalars()
            )
            supervised = Counter(s.execute(sa.select(col(SupervisionOrder.ticket_id))).scalars())
            topics = Counter(s.execute(sa.select(col(OutboxMessage.topic))).scalars())
            mark_kinds = Counter(s.execute(sa.select(col(SlaMark.kind))).scalars())
            urge_counts = set(
                s.execute(sa.select(col(Ticket.urge_count)).where(col(Ticket.id).in_(ids)))
                .scalars()
                .all()
            )
        assert urges == Counter(dict.fromkeys(ids, 1))
        assert supervised == Counter(dict.fromkeys(ids, 1))
        assert urge_counts == {1}
        assert topics == {
            "ticket.urge": TICKETS,
            "ticket.overdue": TICKETS,
            "supervision.raised": TICKETS,
        }
        assert mark_kinds == {"overdue.reply": TICKETS, "supervision.reply": TICKETS}
    finally:
        engine.dispose()
