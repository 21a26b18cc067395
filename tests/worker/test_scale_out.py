"""Several `huiyin worker` processes on one database and one SMTP server.

- Scale-out: two workers, 100 events that fan out to 500 notifications and 500 mails: every
  notification made once, every mail delivered exactly once, both workers taking part.
- A worker SIGKILLed while it holds claimed rows (and sits in the middle of an SMTP
  conversation): after its lease ends the other worker delivers them, each exactly once.

Real processes and real commits, so these tests build their own databases (a PostgreSQL
database; the scale-out also on a SQLite file) and, like the other multi-process tests, run once
per ``make test``, in the SQLite pass; the PostgreSQL cases are skipped (with the reason) when no
PostgreSQL answers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend.config import Settings
from backend.db import make_engine, session_scope
from backend.events.contract import Dispatched
from backend.events.record import SYSTEM, build
from backend.models import Notification, OutboxDelivery, Ticket
from backend.models.enums import Role, UnitKind
from backend.worker.outbox import enqueue
from tests.conftest import BACKEND, TEST_SECRET
from tests.factories import committee_unit, create_unit, create_user, office_always_open
from tests.own_db import own_database
from tests.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite",
    reason="builds its own databases: runs once per make test, in the sqlite pass",
)

ROOT = Path(__file__).resolve().parents[2]
HUIYIN = ROOT / ".venv" / "bin" / "huiyin"
EVENTS = 100
MEMBERS = 5  # EVENTS x MEMBERS = 500 notifications and mails
WAIT_S = 90.0
UNSENT = (
    sa.select(sa.func.count())
    .select_from(OutboxDelivery)
    .where(col(OutboxDelivery.sent_at).is_(None))
)


@dataclass
class Db:
    url: str
    engine: sa.Engine

    def count(self, stmt: sa.Select[tuple[int]]) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())


def _db(kind: str, tmp_path: Path) -> Iterator[Db]:
    with own_database(kind, tmp_path) as url:
        engine = make_engine(url, _settings(url, tmp_path))
        try:
            yield Db(url, engine)
        finally:
            engine.dispose()


@pytest.fixture(params=["postgres", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    yield from _db(request.param, tmp_path)


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Db]:
    yield from _db("postgres", tmp_path)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=url, data_dir=tmp_path)


@dataclass
class WorkerProc:
    proc: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_id(self) -> str:
        for line in self.text().splitlines():
            if line.startswith("worker ") and " on " in line:
                return line.split()[1]
        raise AssertionError("no worker id in the log:\n" + self.text())


def start_worker(db: Db, smtp: SmtpServer, tmp_path: Path, name: str, **env: str) -> WorkerProc:
    log = tmp_path / f"{name}.log"
    environment = {
        **os.environ,
        "HUIYIN_ENVIRONMENT": "test",
        "HUIYIN_SECRET_KEY": TEST_SECRET,
        "HUIYIN_DATABASE_URL": db.url,
        "HUIYIN_DATA_DIR": str(tmp_path),
        "HUIYIN_SMTP_HOST": smtp.host,
        "HUIYIN_SMTP_PORT": str(smtp.port),
        "HUIYIN_SMTP_TLS": "none",
        "HUIYIN_PUBLIC_BASE_URL": "https://huiyin.example.edu.cn",
        "HUIYIN_WORKER_POLL_SECONDS": "0.05",
        "HUIYIN_SWEEP_INTERVAL_SECONDS": "3600",
        "HUIYIN_OUTBOX_BATCH_SIZE": "10",
        **env,
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(HUIYIN), "worker", "--log-level", "info"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=tmp_path,
            start_new_session=True,
        )
    w = WorkerProc(proc, log)
    deadline = time.monotonic() + 60
    while " started" not in w.text():
        if proc.poll() is not None:
            pytest.fail(f"worker {name} exited with {proc.returncode}:\n{w.text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"worker {name} did not start:\n{w.text()}")
        time.sleep(0.05)  # polling a starting process
    return w


def stop(w: WorkerProc) -> None:
    if w.proc.poll() is None:
        os.killpg(w.proc.pid, signal.SIGTERM)
        try:
            w.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(w.proc.pid, signal.SIGKILL)
            w.proc.wait(timeout=20)


def wait_until(predicate: object, what: str, timeout: float = WAIT_S) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _department_with_members(db: Db) -> tuple[int, list[str]]:
    with session_scope(db.engine) as s:
        office_always_open(s)  # the workers run on the wall clock
        committee_unit(s)
        dept = create_unit(s, UnitKind.department)
        addresses = []
        for i in range(MEMBERS):
            u = create_user(
                s, dept, Role.head if i == 0 else Role.staff, email=f"member{i}@example.edu.cn"
            )
            addresses.append(str(u.email))
        assert dept.id is not None
        return dept.id, addresses


def _dispatch_payload(ticket: Ticket, dept_id: int, now: datetime) -> dict[str, Any]:
    details = Dispatched(
        lead_department_id=dept_id, assisting_department_ids=[], accept_due_at=now, reply_due_at=now
    )
    entry = build(
        ticket, details, who=SYSTEM, now=now, from_status="submitted", to_status="dispatched"
    )
    return entry.payload.model_dump(mode="json")


def _queue_dispatch_events(db: Db, dept_id: int) -> None:
    now = datetime.now(UTC)
    with session_scope(db.engine) as s:
        tickets = [
            Ticket(
                code=f"HY-2026-{i:06d}",
                title=f"第{i}号意见",
                content="内容",
                status="dispatched",
                lead_department_id=dept_id,
                created_at=now,
                updated_at=now,
            )
            for i in range(EVENTS)
        ]
        s.add_all(tickets)
        s.flush()
        for t in tickets:
            enqueue(s, "ticket.dispatch", _dispatch_payload(t, dept_id, now), now)


def test_two_workers_deliver_every_notice_exactly_once(
    database: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    db = database
    dept_id, addresses = _department_with_members(db)
    workers = [start_worker(db, smtp, tmp_path, f"w{i}") for i in range(2)]
    try:
        # Both are polling before any work exists: they compete for all of it.
        _queue_dispatch_events(db, dept_id)
        total = EVENTS * MEMBERS
        smtp.inbox.wait_for(total, timeout=WAIT_S)
        wait_until(lambda: db.count(UNSENT) == 0, "the outbox to empty")
        time.sleep(0.3)  # a duplicate, if there were one, would arrive now
    finally:
        for w in workers:
            stop(w)
    mails = smtp.inbox.messages()
    ids = Counter(m.message_id for m in mails)
    assert len(mails) == total, f"{len(mails)} mails for {total} notices"
    assert max(ids.values()) == 1
    assert Counter(m.to for m in mails) == dict.fromkeys(addresses, EVENTS)
    notices = sa.select(sa.func.count()).select_from(Notification)
    assert db.count(notices) == total
    with db.engine.connect() as conn:
        by = Counter(
            conn.execute(sa.select(OutboxDelivery.claimed_by)).scalars()  # type: ignore[call-overload]
        )
    assert set(by) == {w.worker_id() for w in workers}, by  # both took part
    assert sum(by.values()) == EVENTS + total


def test_a_killed_workers_claims_are_delivered_by_the_other(
    postgres: Db, smtp: SmtpServer, tmp_path: Path
) -> None:
    db = postgres
    n = 30
    now = datetime.now(UTC)
    with session_scope(db.engine) as s:
        for i in range(n):
            enqueue(
                s,
                "mail.send",
                {"to": f"reader{i}@example.edu.cn", "subject": f"【回音】测试 {i}", "body": "正文"},
                now,
            )
    lease = {"HUIYIN_OUTBOX_LEASE_SECONDS": "2"}
    smtp.inbox.hold = True  # the first worker gets stuck in its first SMTP conversation
    a = start_worker(db, smtp, tmp_path, "doomed", **lease)
    b: WorkerProc | None = None
    try:
        held_by_a = (
            sa.select(sa.func.count())
            .select_from(OutboxDelivery)
            .where(
                col(OutboxDelivery.claimed_by) == a.worker_id(),
                col(OutboxDelivery.sent_at).is_(None),
            )
        )
        wait_until(lambda: smtp.inbox.held >= 1 and db.count(held_by_a) == 10, "a claim by A")
        os.killpg(a.proc.pid, signal.SIGKILL)
        a.proc.wait(timeout=20)
        assert a.proc.returncode == -signal.SIGKILL
        smtp.inbox.hold = False
        b = start_worker(db, smtp, tmp_path, "survivor", **lease)
        smtp.inbox.wait_for(n, timeout=WAIT_S)
        wait_until(lambda: db.count(UNSENT) == 0, "the outbox to empty")
        time.sleep(0.3)
    finally:
        stop(a)
        if b is not None:
            stop(b)
    mails = smtp.inbox.messages()
    assert sorted(m.to for m in mails) == sorted(f"reader{i}@example.edu.cn" for i in range(n))
    assert max(Counter(m.message_id for m in mails).values()) == 1
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(OutboxDelivery.claimed_by, OutboxDelivery.attempts)).all()
    assert {by for by, _ in rows} == {b.worker_id()}
    # A's ten were tried twice (A's attempt died with it), the rest once
    assert Counter(attempts for _, attempts in rows) == {2: 10, 1: n - 10}
