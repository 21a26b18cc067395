"""The workbench counts obey the same scope as the list: for every role they add up to exactly
the tickets that role can list."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from backend.core.clock import FrozenClock
from tests.factories import ROLES, World, headers_for


def _listed(world: World, role: str, **params: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        query = {"limit": "100", **params, **({"cursor": cursor} if cursor else {})}
        page = world.ok(role, "GET", "/tickets", params=query)
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def test_counts_match_the_list_for_every_role(world: World, clock: FrozenClock) -> None:
    for status in ("submitted", "dispatched", "accepted", "replied", "closed", "rejected"):
        world.ticket_in(status)
    world.ticket_in("accepted", anonymity="full")
    world.ticket_in("submitted", role="college_other_staff")
    clock.advance(timedelta(days=3))  # some deadlines pass
    for actor in world.actors.values():
        actor.headers.update(headers_for(world.db, world.settings, actor.user))

    for role in ROLES:
        counts = world.ok(role, "GET", "/tickets/counts")
        listed = _listed(world, role)
        by_status = Counter(str(t["status"]) for t in listed)
        assert counts["total"] == len(listed), role
        assert {k: v for k, v in counts["by_status"].items() if v} == dict(by_status), role
        assert counts["overdue"] == len(_listed(world, role, overdue="true")), role
        pending = _listed(world, role, pending_extension="true")
        assert counts["pending_extensions"] == len(pending), role
    # The moved clock made deadlines pass, so the overdue column was really exercised.
    assert world.ok("committee_staff", "GET", "/tickets/counts")["overdue"] > 0


def test_counts_filter_by_department_and_are_empty_out_of_scope(world: World) -> None:
    world.ticket_in("dispatched")
    world.ticket_in("submitted")
    lead = world.ok(
        "committee_staff", "GET", "/tickets/counts", params={"department_id": world.dept_lead.id}
    )
    assert lead["total"] == 1
    assert lead["by_status"]["dispatched"] == 1
    other = world.ok("dept_other_staff", "GET", "/tickets/counts")
    assert other["total"] == 0
    assert set(other["by_status"]) == {
        "submitted",
        "dispatched",
        "accepted",
        "replied",
        "revisited",
        "closed",
        "rejected",
        "withdrawn",
        "merged",
    }


def test_pending_extensions_are_counted_and_filtered_in_scope(world: World) -> None:
    body = {"days": 2, "reason": "需要协调供应商"}
    waiting = world.ticket_in("accepted")
    decided = world.ticket_in("accepted")
    world.ticket_in("accepted")  # never asked
    world.ok("dept_lead_staff", "POST", f"/tickets/{waiting['id']}/extensions", json=body)
    ext = world.ok("dept_lead_staff", "POST", f"/tickets/{decided['id']}/extensions", json=body)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{decided['id']}/extensions/{ext['id']}/decision",
        json={"approved": True},
    )

    counts = world.ok("committee_staff", "GET", "/tickets/counts")
    assert counts["pending_extensions"] == 1
    assert [t["id"] for t in _listed(world, "committee_staff", pending_extension="true")] == [
        waiting["id"]
    ]
    without = {t["id"] for t in _listed(world, "committee_staff", pending_extension="false")}
    assert waiting["id"] not in without
    assert decided["id"] in without
    # The department that asked sees its own request waiting; an unrelated one sees nothing.
    assert world.ok("dept_lead_staff", "GET", "/tickets/counts")["pending_extensions"] == 1
    assert world.ok("dept_other_staff", "GET", "/tickets/counts")["pending_extensions"] == 0
    assert _listed(world, "dept_other_staff", pending_extension="true") == []


# --- issue 9: every tile equals the total of the list it opens ---------------------------------

RETURN = {"reason_code": "not_our_remit", "reason": "不属于我处职责范围"}
EXTENSION = {"days": 2, "reason": "需要协调供应商"}


def returned_ticket(world: World, **submit: str) -> dict[str, object]:
    """Dispatched to the lead department, which returned it: submitted again (退单)."""
    t = world.ticket_in("dispatched", **submit)
    return world.ok("dept_lead_staff", "POST", f"/tickets/{t['id']}/return", json=RETURN)


def mixed_tickets(world: World, clock: FrozenClock) -> None:
    """Tickets in every kind of state the tiles count, across two colleges and three
    departments, some returned, some waiting for an extension decision, some overdue."""
    for status in ("submitted", "dispatched", "accepted", "replied", "closed", "rejected"):
        world.ticket_in(status)
    world.ticket_in("withdrawn")
    world.ticket_in("merged")
    world.ticket_in("submitted", role="college_other_staff")
    world.ticket_in("accepted", role="college_head", anonymity="full")
    world.submit("committee_staff", college_id=world.college_other.id)
    returned_ticket(world)  # returned, waiting for re-dispatch
    returned_ticket(world, role="college_other_staff")
    again = returned_ticket(world)  # returned, then dispatched to another department
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{again['id']}/dispatch",
        json={"lead_department_id": world.dept_other.id},
    )
    for _ in range(2):
        waiting = world.ticket_in("accepted")
        world.ok("dept_lead_staff", "POST", f"/tickets/{waiting['id']}/extensions", json=EXTENSION)
    clock.advance(timedelta(days=3))  # the early deadlines pass: overdue tickets
    for actor in world.actors.values():
        actor.headers.update(headers_for(world.db, world.settings, actor.user))
    world.ticket_in("dispatched")  # and a fresh one that is not overdue


def _total(world: World, role: str, **params: str) -> int:
    """The list's total, read from a one-row page: the count query, not the page, answers."""
    page = world.ok(role, "GET", "/tickets", params={"page": "1", "limit": "1", **params})
    assert page["next_cursor"] is None
    assert isinstance(page["total"], int)
    # The total is what paging through the list by cursor finds.
    assert page["total"] == len(_listed(world, role, **params)), (role, params)
    return page["total"]


def test_every_count_equals_the_total_of_its_list(world: World, clock: FrozenClock) -> None:
    mixed_tickets(world, clock)
    callers: list[tuple[str, dict[str, str]]] = [
        ("committee_staff", {}),
        ("committee_staff", {"department_id": str(world.dept_lead.id)}),
        ("committee_staff", {"college_id": str(world.college_other.id)}),
        ("dept_lead_staff", {}),
        ("dept_other_staff", {}),
        ("college_head", {}),
        ("college_staff", {}),
        ("college_other_head", {}),
    ]
    for role, scope in callers:
        counts = world.ok(role, "GET", "/tickets/counts", params=scope)
        where = (role, scope)
        assert counts["total"] == _total(world, role, **scope), where
        for status, n in counts["by_status"].items():
            assert n == _total(world, role, status=status, **scope), (where, status)
        assert counts["overdue"] == _total(world, role, overdue="true", **scope), where
        pending = _total(world, role, pending_extension="true", **scope)
        assert counts["pending_extensions"] == pending, where
        returned = _total(world, role, returned="true", status="submitted", **scope)
        assert counts["returned"] == returned, where

    # The data really exercised each tile, for the committee and the returning department.
    committee = world.ok("committee_staff", "GET", "/tickets/counts")
    assert committee["overdue"] > 0
    assert committee["pending_extensions"] == 2
    assert committee["returned"] == 2
    lead = world.ok("dept_lead_staff", "GET", "/tickets/counts")
    assert lead["returned"] == 2  # it returned them, and still sees them
    assert world.ok("college_head", "GET", "/tickets/counts")["returned"] == 1
    assert world.ok("college_other_head", "GET", "/tickets/counts")["returned"] == 1
