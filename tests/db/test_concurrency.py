"""Races on one ticket against the real server: exactly one winner, one timeline event.

The rollback fixtures cannot show this (their requests share one connection and never really
commit), so each backend here gets a database of its own, migrated from empty, and the real
server (``huiyin serve --workers 2``) as a subprocess; 20 threads, held at a barrier, fire the
same action at once over HTTP.

- PostgreSQL: the conditional ``UPDATE … WHERE version = …`` lets exactly one transaction win.
- SQLite (a file, WAL): write requests begin with ``BEGIN IMMEDIATE``, so writers queue; the
  ones after the winner find the ticket already moved on.

These tests build their own databases, so they do not depend on HUIYIN_TEST_DB; they run once per
``make test``, in the SQLite pass (the pass that always runs), and are skipped in the postgres
pass. The PostgreSQL case is skipped with its reason when no PostgreSQL answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend import migrate
from backend.config import Settings
from backend.db import make_engine, session_scope
from backend.models import OutboxMessage, SupervisionOrder, Ticket, TicketDepartment, TicketEvent
from backend.models.enums import Role, UnitKind
from backend.models.exclusions import Exclusion
from tests import pg_probe
from tests.conftest import BACKEND, TEST_SECRET, create_pg_database, drop_pg_database, pg_url
from tests.factories import PASSWORD, committee_unit, create_category, create_unit, create_user

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite",
    reason="builds its own databases: runs once per make test, in the sqlite pass",
)

ROOT = Path(__file__).resolve().parents[2]
HUIYIN = ROOT / ".venv" / "bin" / "huiyin"
RACERS = 20
STARTUP_LIMIT_S = 60.0
SERVE_FLAGS = ("--workers", "2", "--no-migrate", "--log-level", "warning")
LOSER_CODES = {"concurrent_update", "invalid_state", "stale_version"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Deployment:
    """A migrated database, the server on it, and signed-in users of every side."""

    url: str
    api: str  # http://127.0.0.1:<port>/api/v1
    engine: sa.Engine
    dept_lead_id: int = 0
    dept_other_id: int = 0
    college_id: int = 0
    tokens: dict[str, list[str]] = field(default_factory=dict)

    def headers(self, who: str, i: int = 0) -> dict[str, str]:
        tokens = self.tokens[who]
        return {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}

    def call(self, who: str, method: str, path: str, **kw: Any) -> httpx.Response:
        with httpx.Client(base_url=self.api, timeout=30) as c:
            return c.request(method, path, headers=self.headers(who), **kw)

    def ok(self, who: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        r = self.call(who, method, path, **kw)
        assert r.status_code in (200, 201), (r.status_code, r.text)
        return r.json()  # type: ignore[no-any-return]

    def submitted_ticket(self) -> dict[str, Any]:
        # Collected by the committee on a college's behalf (one login fewer than a college user).
        return self.ok(
            "committee",
            "POST",
            "/tickets",
            json={
                "title": "宿舍热水供应不稳定",
                "content": "晚上十点后经常没有热水。",
                "channel": "hotline",
                "college_id": self.college_id,
            },
        )

    def dispatched_ticket(self) -> dict[str, Any]:
        t = self.submitted_ticket()
        return self.ok(
            "committee",
            "POST",
            f"/tickets/{t['id']}/dispatch",
            json={"lead_department_id": self.dept_lead_id},
        )

    def race(
        self,
        who: str,
        path: str,
        *,
        json_for: Callable[[int], Any] = lambda _i: None,
        headers: dict[str, str] | None = None,
    ) -> list[httpx.Response]:
        """RACERS POSTs released at the same instant, each on its own connection, spread over
        the side's users; racer ``i`` sends ``json_for(i)``."""
        barrier = threading.Barrier(RACERS, timeout=STARTUP_LIMIT_S)

        def one(i: int) -> httpx.Response:
            with httpx.Client(base_url=self.api, timeout=60) as c:
                assert c.get("/health").status_code == 200  # connection open before the start
                barrier.wait()
                return c.post(
                    path, headers={**self.headers(who, i), **(headers or {})}, json=json_for(i)
                )

        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            futures = [pool.submit(one, i) for i in range(RACERS)]
            return [f.result() for f in futures]

    def count(self, stmt: sa.Select[Any]) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())


def _login(api: str, username: str) -> str:
    r = httpx.post(
        f"{api}/auth/token", data={"username": username, "password": PASSWORD}, timeout=30
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _wait_ready(proc: subprocess.Popen[bytes], api: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{api}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process, not timing anything under test
    pytest.fail(f"the server did not become ready:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # the server and the workers it spawned
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


def _populate(engine: sa.Engine, settings: Settings) -> dict[str, list[str]]:
    """Units and users; returns usernames per side."""
    with session_scope(engine) as s:
        committee = committee_unit(s)
        lead = create_unit(s, UnitKind.department)
        other = create_unit(s, UnitKind.department)
        college = create_unit(s, UnitKind.college)
        create_category(s, lead)
        users = {
            "committee": [create_user(s, committee, Role.staff) for _ in range(2)],
            # several members of the department race, as in an office where everyone clicks
            "dept": [create_user(s, lead, Role.staff) for _ in range(2)],
        }
        names = {side: [u.username for u in us] for side, us in users.items()}
        names["_ids"] = [str(lead.id), str(other.id), str(college.id)]
    return names


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    log: Path

    def check(self) -> None:
        """Still up, and nothing blew up inside it."""
        text = self.log.read_text()
        assert self.proc.poll() is None, text
        assert "Traceback" not in text, text


@contextmanager
def _deploy(url: str, tmp: Path) -> Iterator[tuple[Deployment, Server, dict[str, list[str]]]]:
    """Migrate and fill the database, start the server on it; readiness is awaited later, so
    that both backends' servers start at the same time."""
    migrate.upgrade(url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, data_dir=tmp)
    engine = make_engine(url, settings)
    names = _populate(engine, settings)
    port = free_port()
    log = tmp / "server.log"
    env = {
        **os.environ,
        "HUIYIN_DATABASE_URL": url,
        "HUIYIN_SECRET_KEY": TEST_SECRET,
        "HUIYIN_ENVIRONMENT": "test",
        "HUIYIN_DATA_DIR": str(tmp / "data"),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(HUIYIN), "serve", "--host", "127.0.0.1", "--port", str(port), *SERVE_FLAGS],
            cwd=tmp,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    d = Deployment(url=url, api=f"http://127.0.0.1:{port}/api/v1", engine=engine)
    d.dept_lead_id, d.dept_other_id, d.college_id = (int(i) for i in names.pop("_ids"))
    try:
        yield d, Server(proc, log), names
    finally:
        _stop(proc)
        engine.dispose()


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Deployment, Server]]]:
    """A live server per backend; PostgreSQL only when it answers."""
    with ExitStack() as stack:
        urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('live-sqlite') / 'race.db'}"}
        if pg_probe.reachable():
            name = create_pg_database()
            stack.callback(drop_pg_database, name)  # runs after the server has stopped
            urls["postgres"] = pg_url(name)
        started = {
            backend: stack.enter_context(_deploy(url, tmp_path_factory.mktemp(f"live-{backend}")))
            for backend, url in urls.items()
        }
        out = {}
        for backend, (d, server, names) in started.items():
            _wait_ready(server.proc, d.api, server.log)
            with ThreadPoolExecutor(max_workers=4) as pool:  # argon2 is slow on purpose
                d.tokens = {
                    side: list(pool.map(lambda n, api=d.api: _login(api, n), ns))
                    for side, ns in names.items()
                }
            out[backend] = (d, server)
        yield out


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(
    request: pytest.FixtureRequest, servers: dict[str, tuple[Deployment, Server]]
) -> Iterator[Deployment]:
    if request.param not in servers:
        pytest.skip(f"no PostgreSQL answers at {pg_probe.ADMIN_DSN}")
    d, server = servers[request.param]
    yield d
    server.check()


def _events(d: Deployment, ticket_id: int, action: str) -> int:
    return d.count(
        sa.select(sa.func.count())
        .select_from(TicketEvent)
        .where(col(TicketEvent.ticket_id) == ticket_id, col(TicketEvent.action) == action)
    )


def _outbox(d: Deployment, ticket_id: int, action: str) -> int:
    with Session(d.engine) as s:
        rows = s.execute(
            sa.select(col(OutboxMessage.payload)).where(
                col(OutboxMessage.topic) == f"ticket.{action}"
            )
        ).scalars()
        return sum(1 for p in rows if p["ticket_id"] == ticket_id)


def _one_winner(responses: list[httpx.Response], losers: set[int]) -> httpx.Response:
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, (statuses, [r.text for r in responses if r.status_code != 200])
    assert set(statuses) - {200} <= losers, statuses
    assert sum(statuses.values()) == RACERS
    for r in responses:
        if r.status_code != 200:
            assert r.json()["code"] in LOSER_CODES, r.text
    return next(r for r in responses if r.status_code == 200)


def test_twenty_simultaneous_accepts_one_wins(deployment: Deployment) -> None:
    d = deployment
    t = d.dispatched_ticket()
    tid = t["id"]

    responses = d.race("dept", f"/tickets/{tid}/accept")

    winner = _one_winner(responses, {409})
    assert winner.json()["status"] == "accepted"
    assert winner.json()["version"] == t["version"] + 1
    assert _events(d, tid, "accept") == 1
    assert _outbox(d, tid, "accept") == 1
    with Session(d.engine) as s:
        row = s.get(Ticket, tid)
        assert row is not None
        assert (row.status, row.version) == ("accepted", t["version"] + 1)
    assert [e["action"] for e in d.ok("committee", "GET", f"/tickets/{tid}/events")] == [
        "submit",
        "dispatch",
        "accept",
    ]


def test_twenty_simultaneous_dispatches_one_wins(deployment: Deployment) -> None:
    d = deployment
    t = d.submitted_ticket()
    tid = t["id"]

    # Every committee member dispatches the version they loaded, to the same department.
    responses = d.race(
        "committee",
        f"/tickets/{tid}/dispatch",
        json_for=lambda _i: {"lead_department_id": d.dept_lead_id},
        headers={"If-Match": f'"{t["version"]}"'},
    )

    winner = _one_winner(responses, {409, 412})
    assert winner.json()["status"] == "dispatched"
    assert _events(d, tid, "dispatch") == 1
    assert _outbox(d, tid, "dispatch") == 1
    assert (
        d.count(
            sa.select(sa.func.count())
            .select_from(TicketDepartment)
            .where(col(TicketDepartment.ticket_id) == tid)
        )
        == 1
    )


def test_racing_dispatches_to_different_departments_leave_one_lead(
    deployment: Deployment,
) -> None:
    d = deployment
    t = d.submitted_ticket()
    tid = t["id"]
    departments = (d.dept_lead_id, d.dept_other_id)

    responses = d.race(
        "committee",
        f"/tickets/{tid}/dispatch",
        json_for=lambda i: {"lead_department_id": departments[i % 2]},
    )

    winner = _one_winner(responses, {409})
    lead = winner.json()["lead_department"]["id"]
    assert _events(d, tid, "dispatch") == 1
    with Session(d.engine) as s:
        rows = s.execute(
            sa.select(col(TicketDepartment.department_id), col(TicketDepartment.role)).where(
                col(TicketDepartment.ticket_id) == tid
            )
        ).all()
        assert [tuple(r) for r in rows] == [(lead, "lead")]
        row = s.get(Ticket, tid)
        assert row is not None
        assert row.lead_department_id == lead


def test_more_concurrent_writes_than_connections_all_succeed(deployment: Deployment) -> None:
    """48 simultaneous creations against a pool of 10 connections per worker: they queue for a
    connection (and, on SQLite, for the write turn) instead of stalling or failing with 503."""
    racers = 48
    barrier = threading.Barrier(racers, timeout=STARTUP_LIMIT_S)

    def one(i: int) -> httpx.Response:
        with httpx.Client(base_url=deployment.api, timeout=60) as c:
            assert c.get("/health").status_code == 200
            barrier.wait()
            return c.post(
                "/tickets",
                headers=deployment.headers("committee", i),
                json={
                    "title": f"并发提交测试 {i}",
                    "content": "同时提交的意见应当全部受理。",
                    "channel": "mailbox",
                },
            )

    with ThreadPoolExecutor(max_workers=racers) as pool:
        responses = list(pool.map(one, range(racers)))
    assert [r.status_code for r in responses] == [201] * racers, [
        (r.status_code, r.text[:200]) for r in responses if r.status_code != 201
    ]
    codes = {r.json()["code"] for r in responses}
    assert len(codes) == racers


def _mixed_race(d: Deployment, calls: list[tuple[str, str, Any]]) -> list[httpx.Response]:
    """Each (side, path, body) POSTed at the same instant on its own connection."""
    barrier = threading.Barrier(len(calls), timeout=STARTUP_LIMIT_S)

    def one(i: int) -> httpx.Response:
        side, path, body = calls[i]
        with httpx.Client(base_url=d.api, timeout=60) as c:
            assert c.get("/health").status_code == 200
            barrier.wait()
            return c.post(path, headers=d.headers(side, i), json=body)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, range(len(calls))))


def test_crossing_merges_never_make_a_cycle(deployment: Deployment) -> None:
    """A into B and B into A at once (issue 8, defect 3): one merge wins, the other side is
    refused, and the winner's root is a ticket that is not merged."""
    d = deployment
    a, b = d.submitted_ticket()["id"], d.submitted_ticket()["id"]
    pairs = [(a, b), (b, a)]
    responses = _mixed_race(
        d,
        [
            ("committee", f"/tickets/{pairs[i % 2][0]}/merge", {"primary_id": pairs[i % 2][1]})
            for i in range(RACERS)
        ],
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: RACERS - 1}, [r.text[:200] for r in responses]
    codes = {r.json()["code"] for r in responses if r.status_code == 409}
    assert codes <= LOSER_CODES | {"merge_cycle"}, codes
    with Session(d.engine) as s:
        rows = {
            t.id: (t.status, t.merge_root_id)
            for t in s.execute(sa.select(Ticket).where(col(Ticket.id).in_([a, b]))).scalars()
        }
    assert sorted(rows.values(), key=str) in (
        [("merged", b), ("submitted", None)],
        [("merged", a), ("submitted", None)],
    ), rows
    assert sum(_events(d, t, "merge") for t in (a, b)) == 1


def test_a_return_racing_new_orders_leaves_no_live_order(deployment: Deployment) -> None:
    """The lead department returns the ticket while the committee raises supervision orders on
    it (issue 8, defect 1): whatever order got in before the return is void, none after."""
    d = deployment
    tid = d.dispatched_ticket()["id"]
    order = {"ticket_id": tid, "reason": "并发督办"}
    give_back = {"reason_code": "not_our_remit", "reason": "不属于本部门职责"}
    calls: list[tuple[str, str, Any]] = [("dept", f"/tickets/{tid}/return", give_back)]
    calls += [("committee", "/supervision-orders", order) for _ in range(RACERS - 1)]
    responses = _mixed_race(d, calls)
    assert responses[0].status_code == 200, responses[0].text
    raised = [r for r in responses[1:] if r.status_code == 201]
    assert len(raised) <= 1
    refused = {r.json()["code"] for r in responses[1:] if r.status_code != 201}
    assert refused <= {"supervision_open", "not_with_department"}, refused
    with Session(d.engine) as s:
        orders = s.execute(
            sa.select(col(SupervisionOrder.status), col(SupervisionOrder.voided_by_event_id)).where(
                col(SupervisionOrder.ticket_id) == tid
            )
        ).all()
        returned = s.execute(
            sa.select(col(TicketEvent.id)).where(
                col(TicketEvent.ticket_id) == tid, col(TicketEvent.action) == "return"
            )
        ).scalar_one()
    assert [tuple(o) for o in orders] == [("void", returned)] * len(raised)


def test_twenty_simultaneous_exclusions_leave_one(deployment: Deployment) -> None:
    """The committee excludes one ticket for its lead department twenty times at once: one
    exclusion stands (the database's partial unique index holds the rule even when the
    requests' own checks all pass), the others are told it exists, and one event is written."""
    d = deployment
    tid = d.dispatched_ticket()["id"]
    body = {"ticket_id": tid, "reason_kind": "duplicate", "reason": "并发核减"}
    responses = d.race("committee", "/exclusions", json_for=lambda _i: body)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: RACERS - 1}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"exclusion_exists"}
    with Session(d.engine) as s:
        stored = s.execute(
            sa.select(col(Exclusion.status)).where(col(Exclusion.ticket_id) == tid)
        ).all()
        events = s.execute(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(col(OutboxMessage.topic) == "exclusion.decided")
        ).scalar_one()
    assert [tuple(r) for r in stored] == [("approved",)]
    # The only exclusion test on this deployment's database: its one event.
    assert events == 1
