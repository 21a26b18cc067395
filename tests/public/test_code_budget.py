"""Guessing tracking codes: every look-up and score by code from one address spends one budget,
committed on its own, so a miss (an unknown code: 404, rolled back) counts like a hit.

Before, the count was written in the request's transaction, which a 404 rolls back: a wrong code
could be tried without end, by GET and by POST alike.
"""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import col

from backend.core.clock import FrozenClock
from backend.models import RateBucket
from tests.committed import Committed, committed

__all__ = ["committed"]

LIMIT = 60  # the default public_lookup_per_minute
SCORE = {"efficiency": 5, "handling": 4, "effect": 4}


def wrong_code(i: int) -> str:
    return f"NOSUCHCODE{i:06d}"


def guess(c: TestClient, method: str, i: int) -> httpx.Response:
    path = f"/api/v1/public/tickets/{wrong_code(i)}"
    if method == "GET":
        return c.get(path)
    return c.post(path + "/score", json=SCORE)


@pytest.mark.parametrize(("method", "address"), [("GET", "203.0.113.10"), ("POST", "203.0.113.11")])
def test_a_hundred_wrong_codes_from_one_address_end_in_429(
    committed: Committed, clock: FrozenClock, method: str, address: str
) -> None:
    app = committed.app(public_lookup_per_minute=LIMIT)
    with committed.client(app, address) as c:
        answers = [guess(c, method, i) for i in range(100)]
        # The budget is shared: the other method is refused too.
        other = guess(c, "POST" if method == "GET" else "GET", 100)
    statuses = [r.status_code for r in answers]
    assert statuses[:LIMIT] == [404] * LIMIT
    assert statuses[LIMIT:] == [429] * (100 - LIMIT)
    last = answers[-1]
    assert last.json()["code"] == "rate_limited"
    retry = int(last.headers["retry-after"])
    assert 0 < retry <= 60
    assert other.status_code == 429

    with committed.engine.connect() as conn:
        count = conn.execute(
            sa.select(col(RateBucket.count)).where(
                col(RateBucket.key) == f"public:lookup:{address}"
            )
        ).scalar_one()
    assert count == 101


def test_another_address_keeps_its_own_budget(committed: Committed, clock: FrozenClock) -> None:
    app = committed.app(public_lookup_per_minute=3)
    with (
        committed.client(app, "203.0.113.20") as guesser,
        committed.client(app, "203.0.113.21") as neighbour,
    ):
        assert [guess(guesser, "GET", i).status_code for i in range(4)] == [404, 404, 404, 429]
        assert guess(neighbour, "GET", 0).status_code == 404
