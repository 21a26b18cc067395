from __future__ import annotations

from tests.factories import World


def test_full_lifecycle_closes_with_score(world: World) -> None:
    t = world.ticket_in("closed")
    assert t["status"] == "closed"
    assert t["score"]["overall"] == 5
    events = world.ok("committee_staff", "GET", f"/tickets/{t['id']}/events")
    assert [e["action"] for e in events] == [
        "submit",
        "dispatch",
        "accept",
        "reply",
        "revisit",
        "score",
    ]
