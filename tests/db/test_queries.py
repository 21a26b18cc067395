"""A page issues a bounded number of SQL statements however many rows it returns.

``count_queries`` counts every statement sent on the test engine (the request's savepoint
statements included), so the bounds below are on everything a request costs the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from backend.core.clock import FrozenClock
from backend.models import Ticket, TicketDepartment
from backend.models.enums import Status
from tests.factories import World

# The list: the caller's session and user (1), the page (1), and the savepoint around the
# request's transaction. Nothing per row.
MAX_LIST_QUERIES = 4
# The detail builds the full view (category, departments, allowed actions …) and the timeline
# loads its events with their actors and units: constants, whatever the timeline holds.
MAX_DETAIL_QUERIES = 16
MAX_TIMELINE_QUERIES = 10

ROLES = ("committee_staff", "dept_lead_staff", "dept_assist_staff", "college_head", "college_staff")


def insert_tickets(db: Session, world: World, clock: FrozenClock, n: int) -> None:
    """``n`` dispatched tickets every role in ROLES may see (rows written directly: fast)."""
    now = clock.now()
    for i in range(n):
        created = now - timedelta(minutes=n - i)
        t = Ticket(
            code=f"QC-{uuid.uuid4().hex[:12]}",
            title=f"查询计数 {i}",
            content="列表页的查询数量不随行数增长。",
            status=Status.dispatched.value,
            urgency=("normal", "urgent", "complex")[i % 3],
            category_id=world.category.id,
            college_id=world.college.id,
            submitter_id=world["college_staff"].id,
            lead_department_id=world.dept_lead.id,
            dispatch_due_at=created + timedelta(hours=12),
            dispatched_at=created,
            # half of them overdue, so both branches of the flag are rendered
            accept_due_at=now + timedelta(days=1 if i % 2 else -1),
            reply_due_at=now + timedelta(days=5),
            created_at=created,
            updated_at=created,
        )
        db.add(t)
        db.flush()
        assert t.id is not None
        db.add_all(
            [
                TicketDepartment(
                    ticket_id=t.id, department_id=world.dept_lead.id, role="lead", created_at=now
                ),
                TicketDepartment(
                    ticket_id=t.id,
                    department_id=world.dept_assist.id,
                    role="assist",
                    created_at=now,
                ),
            ]
        )
    db.flush()
    db.commit()  # releases the savepoint only; the test transaction still rolls back


def list_page_cost(world: World, role: str, count_queries: Callable[[], int]) -> tuple[int, int]:
    """(statements issued, rows returned) for GET /tickets?limit=100."""
    before = count_queries()
    r = world.call(role, "GET", "/tickets", params={"limit": 100})
    spent = count_queries() - before
    assert r.status_code == 200, r.text
    return spent, len(r.json()["items"])


def test_list_query_count_does_not_grow_with_rows(
    world: World, db: Session, clock: FrozenClock, count_queries: Callable[[], int]
) -> None:
    insert_tickets(db, world, clock, 1)
    for role in ROLES:  # warm up: the first request of a run may compile and cache statements
        list_page_cost(world, role, count_queries)
    one = {role: list_page_cost(world, role, count_queries) for role in ROLES}

    insert_tickets(db, world, clock, 99)
    hundred = {role: list_page_cost(world, role, count_queries) for role in ROLES}

    for role in ROLES:
        q1, rows1 = one[role]
        q100, rows100 = hundred[role]
        assert (rows1, rows100) == (1, 100), role
        assert q1 == q100, (role, q1, q100)
        assert q100 <= MAX_LIST_QUERIES, (role, q100)


def test_list_hides_rows_of_other_units_without_extra_queries(
    world: World, db: Session, clock: FrozenClock, count_queries: Callable[[], int]
) -> None:
    insert_tickets(db, world, clock, 30)
    list_page_cost(world, "dept_other_staff", count_queries)
    spent, rows = list_page_cost(world, "dept_other_staff", count_queries)
    assert rows == 0
    spent_other, rows_other = list_page_cost(world, "college_other_head", count_queries)
    assert rows_other == 0
    assert max(spent, spent_other) <= MAX_LIST_QUERIES


NOTE_AUTHORS = ("dept_lead_staff", "dept_lead_head", "dept_assist_staff")


def accepted_ticket_with_notes(world: World, notes: int) -> int:
    """An accepted ticket whose timeline has ``notes`` notes by up to three different people."""
    t = world.ticket_in("accepted")
    for i in range(notes):
        world.ok(
            NOTE_AUTHORS[i % len(NOTE_AUTHORS)],
            "POST",
            f"/tickets/{t['id']}/notes",
            json={"content": f"进展 {i}：已联系供应商。"},
        )
    return int(t["id"])


def cost(world: World, role: str, path: str, count_queries: Callable[[], int]) -> int:
    before = count_queries()
    r = world.call(role, "GET", path)
    spent = count_queries() - before
    assert r.status_code == 200, r.text
    return spent


@pytest.mark.parametrize("role", ["committee_staff", "dept_lead_staff", "college_staff"])
def test_detail_and_timeline_query_count_does_not_grow_with_events(
    world: World, role: str, count_queries: Callable[[], int]
) -> None:
    few = accepted_ticket_with_notes(world, 1)
    many = accepted_ticket_with_notes(world, 30)
    events_few = world.ok(role, "GET", f"/tickets/{few}/events")
    events_many = world.ok(role, "GET", f"/tickets/{many}/events")
    assert len(events_many) - len(events_few) == 29

    detail_few = cost(world, role, f"/tickets/{few}", count_queries)
    detail_many = cost(world, role, f"/tickets/{many}", count_queries)
    assert detail_few == detail_many
    assert detail_many <= MAX_DETAIL_QUERIES

    timeline_few = cost(world, role, f"/tickets/{few}/events", count_queries)
    timeline_many = cost(world, role, f"/tickets/{many}/events", count_queries)
    assert timeline_few == timeline_many
    assert timeline_many <= MAX_TIMELINE_QUERIES
