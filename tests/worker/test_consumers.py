"""Several consumers per event: each (event, consumer) has its own delivery, so one consumer
failing never delays or repeats another, a lease that runs out brings back only its own
delivery, and concurrent workers deliver each (event, consumer) exactly once.

Real engines and real commits (workers claim, deliver and record in transactions of their
own), so these tests build their own databases: a SQLite file and a PostgreSQL database, once
per ``make test``, in the SQLite pass, like the other tests that do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.db import finish, make_engine, open_session, session_scope
from backend.models import OutboxDelivery, OutboxMessage
from backend.worker import outbox, registry
from backend.worker.runner import Worker
from tests.conftest import BACKEND, TEST_SECRET
from tests.own_db import own_database

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite",
    reason="builds its own databases: runs once per make test, in the sqlite pass",
)

ROOT = Path(__file__).resolve().parents[2]
BARRIER_S = 30.0  # only a bound on a broken run: a healthy one passes at once


@dataclass
class Db:
    url: str
    engine: sa.Engine
    settings: Settings

    def worker(self, worker_id: str, **settings: object) -> Worker:
        return Worker(self.settings.model_copy(update=settings), self.engine, worker_id=worker_id)

    def deliveries(self, event_id: int) -> dict[str, OutboxDelivery]:
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.execute(
                sa.select(OutboxDelivery).where(col(OutboxDelivery.event_id) == event_id)
            ).scalars()
            return {d.consumer: d for d in rows}

    def enqueue(self, topic: str, now: datetime, n: int = 1) -> list[int]:
        with session_scope(self.engine) as s:
            return outbox.enqueue_many(s, [(topic, {"n": i}) for i in range(n)], now)


def _build(kind: str, tmp_path: Path) -> Iterator[Db]:
    with own_database(kind, tmp_path) as url:
        settings = Settings(
            environment="test",
            secret_key=TEST_SECRET,
            database_url=url,
            data_dir=tmp_path,
            outbox_max_attempts=3,
            outbox_backoff_seconds=30,
            outbox_backoff_max_seconds=3600,
            outbox_lease_seconds=60,
        )
        engine = make_engine(url, settings)
        try:
            yield Db(url, engine, settings)
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Db]:
    yield from _build(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    yield from _build("postgres", tmp_path_factory.mktemp("pg"))


def _empty(db: Db) -> None:
    with session_scope(db.engine) as s:
        s.execute(sa.delete(OutboxDelivery))
        s.execute(sa.delete(OutboxMessage))


@pytest.fixture
def db(database: Db) -> Iterator[Db]:
    yield database
    _empty(database)


@pytest.fixture
def pg(postgres: Db) -> Iterator[Db]:
    yield postgres
    _empty(postgres)


@dataclass
class Consumers:
    """Test consumers of ``test.*`` events that record each call and fail while told to."""

    # (event id, consumer, worker id, the worker's now) of every call
    calls: list[tuple[int, str, str, datetime]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    barrier: threading.Barrier | None = None  # each worker's first delivery waits here
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _waited: set[str] = field(default_factory=set)

    def add(self, name: str, enabled: registry.EnabledFn | None = None) -> None:
        def consume(_s: Session, message: OutboxMessage, delivery: registry.Delivery) -> None:
            assert message.id is not None
            with self._lock:
                self.calls.append((message.id, name, delivery.worker_id, delivery.now))
                first = delivery.worker_id not in self._waited
                self._waited.add(delivery.worker_id)
            if self.barrier is not None and first:
                self.barrier.wait()
            if name in self.failing:
                raise RuntimeError(f"{name} is down")

        registry.register_consumer(name, "test.", consume, enabled=enabled)

    def of(self, name: str) -> list[tuple[int, str, datetime]]:
        return [(e, w, at) for e, c, w, at in self.calls if c == name]


@pytest.fixture
def consumers(monkeypatch: pytest.MonkeyPatch, clock: FrozenClock) -> Consumers:
    registry.load_plugins()  # before the copy: the real consumers must land in the real registry
    monkeypatch.setattr(registry, "_consumers", dict(registry._consumers))
    c = Consumers()
    c.add("alpha")
    c.add("beta")
    return c


def test_one_consumer_failing_neither_delays_nor_repeats_another(
    db: Db, consumers: Consumers, clock: FrozenClock
) -> None:
    consumers.failing.add("alpha")  # claimed first (its delivery row comes first)
    [event] = db.enqueue("test.ping", clock.now())
    start = clock.now()
    # One delivery per claim: the failing one is claimed, fails, and the next claim is beta's.
    worker = db.worker("w1", outbox_batch_size=1)
    result = worker.drain()
    assert (result.sent, result.retried) == (1, 1)
    assert consumers.of("beta") == [(event, "w1", start)]  # on time: the first round
    rows = db.deliveries(event)
    assert rows["beta"].sent_at == start
    assert rows["alpha"].sent_at is None
    assert rows["alpha"].attempts == 1
    assert rows["alpha"].available_at == start + timedelta(seconds=30)
    assert rows["alpha"].last_error == "RuntimeError: alpha is down"

    # alpha is retried with a doubling backoff and finally failed; beta is never run again
    assert worker.drain().handled == 0  # not due yet
    clock.advance(timedelta(seconds=30))
    assert worker.drain().retried == 1
    assert db.deliveries(event)["alpha"].available_at == clock.now() + timedelta(seconds=60)
    clock.advance(timedelta(seconds=60))
    assert worker.drain().failed == 1
    rows = db.deliveries(event)
    assert rows["alpha"].failed_at == clock.now()
    assert rows["alpha"].attempts == 3
    clock.advance(timedelta(days=1))
    assert worker.drain().handled == 0
    assert len(consumers.of("alpha")) == 3
    assert consumers.of("beta") == [(event, "w1", start)]
    assert db.deliveries(event)["beta"].attempts == 1


def test_a_lease_that_runs_out_brings_back_only_its_own_delivery(
    db: Db, consumers: Consumers, clock: FrozenClock
) -> None:
    [event] = db.enqueue("test.ping", clock.now())
    a, b = db.worker("worker-a"), db.worker("worker-b")
    claimed = {c.consumer: c for c in a.claim()}
    assert set(claimed) == {"alpha", "beta"}
    # a delivers beta's and dies holding alpha's
    assert a.deliver([claimed["beta"]]).sent == 1
    assert b.claim() == []
    clock.advance(timedelta(seconds=db.settings.outbox_lease_seconds))
    result = b.drain()
    assert result.sent == 1
    assert consumers.of("alpha") == [(event, "worker-b", clock.now())]
    assert [w for _, w, _ in consumers.of("beta")] == ["worker-a"]
    rows = db.deliveries(event)
    assert (rows["alpha"].claimed_by, rows["alpha"].attempts) == ("worker-b", 2)
    assert (rows["beta"].claimed_by, rows["beta"].attempts) == ("worker-a", 1)
    # a wakes up: its claim on alpha is gone, so it records nothing
    assert a.deliver([claimed["alpha"]]).lost == 1
    assert db.deliveries(event)["alpha"].claimed_by == "worker-b"


def test_a_worker_leaves_the_deliveries_of_consumers_disabled_for_it(
    db: Db, consumers: Consumers, clock: FrozenClock
) -> None:
    consumers.add("gated", enabled=lambda s: s.mail_enabled)
    [event] = db.enqueue("test.ping", clock.now())
    assert set(db.deliveries(event)) == {"alpha", "beta", "gated"}
    assert db.worker("plain").drain().sent == 2
    gated = db.deliveries(event)["gated"]
    assert (gated.claimed_by, gated.attempts, gated.sent_at) == (None, 0, None)
    assert db.worker("with-smtp", smtp_host="smtp.example.edu.cn").drain().sent == 1
    assert Counter(c for _, c, _, _ in consumers.calls) == {"alpha": 1, "beta": 1, "gated": 1}


def test_an_event_nobody_wants_is_recorded_and_left_alone(db: Db, clock: FrozenClock) -> None:
    [event] = db.enqueue("integration.only", clock.now())
    with Session(db.engine) as s:
        row = s.get(OutboxMessage, event)
        assert row is not None
        assert row.topic == "integration.only"
    assert db.deliveries(event) == {}
    assert db.worker("w").drain().handled == 0


def test_postgres_claims_lock_deliveries_not_their_events(
    pg: Db, consumers: Consumers, clock: FrozenClock
) -> None:
    """Two workers claim the two consumers' deliveries of one event at the same moment; a
    third finds the held ones locked and skips them instead of waiting."""
    events = pg.enqueue("test.ping", clock.now(), n=3)
    sessions = [open_session(pg.engine, write=True) for _ in range(3)]
    try:
        for s in sessions:
            # A claim that waited for a lock would fail here instead of hanging the run.
            s.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        now = clock.now()
        claim = outbox.claim
        first = claim(sessions[0], pg.settings, "w1", now, ["alpha"], 1)
        second = claim(sessions[1], pg.settings, "w2", now, ["beta"], 1)
        assert [(c.event_id, c.consumer) for c in first] == [(events[0], "alpha")]
        assert [(c.event_id, c.consumer) for c in second] == [(events[0], "beta")]
        third = claim(sessions[2], pg.settings, "w3", now, ["alpha", "beta"], 10)
        assert {(c.event_id, c.consumer) for c in third} == {
            (e, name) for e in events[1:] for name in ("alpha", "beta")
        }
    finally:
        for s in sessions:
            finish(s, True)
            s.close()
    held = Counter(d.claimed_by for e in events for d in pg.deliveries(e).values())
    assert held == {"w1": 1, "w2": 1, "w3": 4}


def test_two_workers_deliver_each_event_to_each_consumer_once(
    db: Db, consumers: Consumers, clock: FrozenClock
) -> None:
    events = db.enqueue("test.ping", clock.now(), n=40)
    # Each worker's first delivery waits for the other's: both hold claims at the same time.
    consumers.barrier = threading.Barrier(2, timeout=BARRIER_S)
    workers = [db.worker(f"w{i}", outbox_batch_size=5) for i in range(2)]
    errors: list[BaseException] = []

    def run(w: Worker) -> None:
        try:
            w.drain()
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    delivered = Counter((e, c) for e, c, _, _ in consumers.calls)
    assert delivered == {(e, c): 1 for e in events for c in ("alpha", "beta")}
    assert {w for _, _, w, _ in consumers.calls} == {"w0", "w1"}
    rows = [d for e in events for d in db.deliveries(e).values()]
    assert all(d.sent_at is not None and d.attempts == 1 for d in rows)


def test_every_process_that_enqueues_knows_every_consumer(tmp_path: Path) -> None:
    """The routing must not depend on what a process imported: a fresh interpreter that only
    imports the outbox writer routes like the worker does."""
    code = (
        "from backend.worker import registry\n"
        "for t in ('ticket.dispatch', 'sla.reminder', 'supervision.raised', 'mail.send', 'x.y'):\n"
        "    print(t, ','.join(registry.consumers_for(t)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    assert out.splitlines() == [
        "ticket.dispatch notifications",
        "sla.reminder notifications",
        "supervision.raised notifications",
        "mail.send mail",
        "x.y ",
    ]
