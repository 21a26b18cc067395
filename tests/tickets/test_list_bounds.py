"""No query string can grow the list's memory: the status list is capped and deduplicated, and
the compiled SQL of its shapes lives in a bounded LRU."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.models.enums import Status
from backend.tickets import listing
from tests.factories import World


@pytest.fixture
def cache() -> Iterator[listing.CompiledCache]:
    size = listing.compiled_cache.size
    listing.compiled_cache.clear()
    yield listing.compiled_cache
    listing.compiled_cache.size = size
    listing.compiled_cache.clear()


def _ids(world: World, query: str) -> set[int]:
    r = world.call("committee_staff", "GET", f"/tickets?{query}&limit=100")
    assert r.status_code == 200, (query, r.text)
    return {i["id"] for i in r.json()["items"]}


def test_a_status_list_longer_than_the_states_is_422(world: World) -> None:
    every = "&".join(f"status={s.value}" for s in Status)
    assert world.call("committee_staff", "GET", f"/tickets?{every}").status_code == 200
    r = world.call("committee_staff", "GET", f"/tickets?{every}&status=closed")
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["query", "status"]


def test_every_spelling_of_one_status_filter_shares_one_statement(
    world: World, cache: listing.CompiledCache
) -> None:
    accepted = world.ticket_in("accepted")
    replied = world.ticket_in("replied")
    world.ticket_in("submitted")
    spellings = [
        "status=accepted&status=replied",
        "status=replied&status=accepted",
        "status=replied&status=accepted&status=replied&status=accepted",
        "status=accepted&status=accepted&status=replied",
    ]
    answers = [_ids(world, q) for q in spellings]
    assert all(
        a & {accepted["id"], replied["id"]} == {accepted["id"], replied["id"]} for a in answers
    )
    assert all(a == answers[0] for a in answers)
    assert len(cache) == 1


def test_the_compiled_statements_are_a_bounded_lru(
    world: World, cache: listing.CompiledCache
) -> None:
    cache.size = 3
    accepted = world.ticket_in("accepted")
    shapes = [
        "status=accepted",
        "status=accepted&status=replied",
        "status=accepted&status=replied&status=closed",
        "status=accepted&urgency=normal",
        "status=accepted&overdue=false",
        "status=accepted&pending_extension=false",
        "status=accepted&sort=updated_at",
    ]
    for _ in range(2):  # the second round recompiles what was evicted
        for q in shapes:
            assert accepted["id"] in _ids(world, q), q
            assert len(cache) <= 3
    assert len(cache) == 3
