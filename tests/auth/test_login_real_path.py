"""Sign-in against a real engine: counts really commit, locks are really taken, requests really
run side by side (see tests/committed.py for why the ``client`` fixture cannot show these).

- Concurrent wrong passwords for one (username, address) pair: the decision is taken on locked
  counters after the hash, so exactly ``limit`` of them are answered 401 and the rest 429.
  Before, each request checked the count, hashed, then counted: on PostgreSQL all of them passed
  the check together and all were answered (SQLite serialised whole sign-ins, see below).
- While a password is being hashed the sign-in holds no connection, no transaction and no
  SQLite write turn, and another user's write goes through. Before, the hash ran inside the
  request's write transaction: on SQLite every other writer waited for it.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend.auth import throttle
from backend.auth.security import PasswordGate, verify_password
from backend.core.clock import FrozenClock
from backend.db import session_scope, write_turn
from backend.models import RateBucket
from backend.models.enums import Role, UnitKind
from tests.committed import Committed, committed
from tests.factories import PASSWORD, create_unit, create_user, headers_for

__all__ = ["committed"]

TOKEN = "/api/v1/auth/token"
PREFERENCES = "/api/v1/me/preferences"
HANG_GUARD_S = 120  # only against a hang: nothing here is timed


@dataclass
class People:
    signer: str  # a username
    writer_headers: dict[str, str]  # another user, already signed in


@pytest.fixture(scope="module")
def people(committed: Committed) -> People:
    with session_scope(committed.engine) as s:
        unit = create_unit(s, UnitKind.college)
        signer = create_user(s, unit, Role.staff)
        writer = create_user(s, unit, Role.staff)
        headers = headers_for(s, committed.settings, writer)
        return People(signer.username, headers)


def pair_count(committed: Committed, username: str, address: str) -> int:
    key = throttle.rules_for(committed.settings, username, address).pair.key
    with committed.engine.connect() as conn:
        count = conn.execute(
            sa.select(col(RateBucket.count)).where(col(RateBucket.key) == key)
        ).scalar_one_or_none()
    return int(count or 0)


def test_concurrent_wrong_passwords_get_no_more_answers_than_the_limit(
    committed: Committed, people: People, clock: FrozenClock
) -> None:
    limit, racers, address = 5, 12, "198.51.100.7"
    app = committed.app(login_max_failures_per_pair=limit, password_hash_concurrency=racers)
    barrier = threading.Barrier(racers, timeout=HANG_GUARD_S)

    with committed.client(app, address) as c:

        def attempt(i: int) -> httpx.Response:
            barrier.wait()
            return c.post(TOKEN, data={"username": people.signer, "password": f"guess-{i}"})

        with ThreadPoolExecutor(racers) as pool:
            answers = list(pool.map(attempt, range(racers)))

    statuses = Counter(r.status_code for r in answers)
    assert statuses == {401: limit, 429: racers - limit}, [r.text for r in answers]
    assert pair_count(committed, people.signer, address) == limit


def test_no_connection_transaction_or_write_turn_is_held_while_a_password_is_hashed(
    committed: Committed, people: People, clock: FrozenClock
) -> None:
    app = committed.app()
    engine = committed.engine
    turn = write_turn(engine)
    hashing, may_finish = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def verify_when_told(password: str, password_hash: str) -> bool:
        seen["connections checked out"] = engine.pool.checkedout()  # type: ignore[attr-defined]
        seen["write turn held"] = turn is not None and turn.held
        writer_lock = app.state.db_gate.writer
        seen["write admission held"] = writer_lock is not None and writer_lock.locked()
        hashing.set()
        assert may_finish.wait(HANG_GUARD_S)
        return verify_password(password, password_hash)

    app.state.password_gate = PasswordGate(1, HANG_GUARD_S, verify=verify_when_told)
    with committed.client(app, "192.0.2.44") as c, ThreadPoolExecutor(1) as pool:
        signing_in = pool.submit(
            c.post, TOKEN, data={"username": people.signer, "password": PASSWORD}
        )
        assert hashing.wait(HANG_GUARD_S), signing_in.result().text
        # The sign-in sits inside the hash: another user's write goes through meanwhile.
        r = c.patch(PREFERENCES, headers=people.writer_headers, json={"notify_email": "digest"})
        assert r.status_code == 200, r.text
        may_finish.set()
        signed_in = signing_in.result(timeout=HANG_GUARD_S)
    assert signed_in.status_code == 200, signed_in.text
    assert seen == {
        "connections checked out": 0,
        "write turn held": False,
        "write admission held": False,
    }


def test_a_burst_of_sign_ins_never_hashes_more_than_the_gate_allows(
    committed: Committed, people: People, clock: FrozenClock
) -> None:
    size, burst = 2, 8
    app = committed.app()
    running, most = 0, 0
    priorities: set[int] = set()
    count_lock = threading.Lock()
    two_inside = threading.Barrier(size, timeout=HANG_GUARD_S)

    def counting_verify(password: str, password_hash: str) -> bool:
        nonlocal running, most
        with count_lock:
            running += 1
            most = max(most, running)
            priorities.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        try:
            two_inside.wait()  # the gate does let `size` hashes run side by side
            return verify_password(password, password_hash)
        finally:
            with count_lock:
                running -= 1

    app.state.password_gate = PasswordGate(size, HANG_GUARD_S, verify=counting_verify)
    with committed.client(app, "192.0.2.45") as c, ThreadPoolExecutor(burst) as pool:
        answers = list(
            pool.map(
                lambda _i: c.post(TOKEN, data={"username": people.signer, "password": PASSWORD}),
                range(burst),
            )
        )
    # Successful sign-ins are never capped per address; they only queue for the hash.
    assert [r.status_code for r in answers] == [200] * burst
    assert most == size
    # and the hashes run in threads of lower priority (nice 10 or more): requests come first
    assert min(priorities) >= 10
