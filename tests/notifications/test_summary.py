"""The notification page's summary: unread notices per tab, and the batches today's sweep runs
made for the caller ("今日 3 件超期 → 查看"), from real sweeps fanned out by the worker; the
caller's own notices only."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend.core.clock import FrozenClock
from backend.worker.runner import Worker
from tests.factories import World
from tests.sla.walk import local, run_sweeps, travel_to

NONE_UNREAD = {"todo": 0, "overdue": 0, "supervision": 0, "other": 0}


def accepted(world: World) -> int:
    tid = world.submit()["id"]
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    return tid


def summary(world: World, role: str) -> dict[str, Any]:
    return world.ok(role, "GET", "/notifications/summary")


def test_todays_sweep_batches_and_unread_per_tab(
    world: World, db: Session, worker: Worker, clock: FrozenClock
) -> None:
    w = world
    travel_to(w, clock, local(2026, 3, 10, 10))  # a Tuesday
    tickets = [accepted(w) for _ in range(3)]
    worker.drain()
    # One notice is no batch: what the users did themselves is not a sweep's.
    assert summary(w, "committee_staff") == {
        "unread": {"todo": 3, "overdue": 0, "supervision": 0, "other": 3},  # submit, accept
        "batches": [],
    }

    # A week later the reply deadlines are near: one sweep reminds the department of all three.
    travel_to(w, clock, local(2026, 3, 17, 10))
    assert run_sweeps(w, clock.now())["reminder"] == 3
    worker.drain()
    staff = summary(w, "dept_lead_staff")
    assert staff["unread"] == {"todo": 3, "overdue": 3, "supervision": 0, "other": 0}
    assert staff["batches"] == [
        {
            "kind": "sla.reminder",
            "group": "overdue",
            "count": 3,
            "title": "今日 3 件临近时限",
            "link": "/tickets?status=dispatched&status=accepted",
        }
    ]
    assert summary(w, "dept_lead_head")["batches"] == staff["batches"]
    assert summary(w, "committee_staff")["batches"] == []

    # The next working day they are overdue: the committee is told, the department urged.
    travel_to(w, clock, local(2026, 3, 18, 9))
    assert run_sweeps(w, clock.now())["overdue"] == 3
    # A committee member's own urge, at the same instant, is not the sweep's.
    w.ok("committee_staff", "POST", f"/tickets/{tickets[0]}/urge")
    worker.drain()
    committee = summary(w, "committee_staff")
    assert committee == {
        "unread": {"todo": 3, "overdue": 3, "supervision": 0, "other": 3},
        "batches": [
            {
                "kind": "ticket.overdue",
                "group": "overdue",
                "count": 3,
                "title": "今日 3 件超期",
                "link": "/tickets?overdue=true",
            }
        ],
    }
    # The list it links to shows exactly those tickets.
    listed = w.ok("committee_staff", "GET", "/tickets", params={"overdue": "true"})
    assert sorted(t["id"] for t in listed["items"]) == sorted(tickets)

    staff = summary(w, "dept_lead_staff")
    # Yesterday's reminders are no batch of today's; 3 automatic urges and the manual one.
    assert staff["unread"] == {"todo": 3, "overdue": 3, "supervision": 4, "other": 0}
    assert staff["batches"] == [
        {
            "kind": "ticket.urge",
            "group": "supervision",
            "count": 3,
            "title": "今日 3 件超期催办",
            "link": "/tickets?overdue=true",
        }
    ]

    # Reading changes the unread counts, not what the sweep made today.
    overdue = w.ok("committee_staff", "GET", "/notifications", params={"group": "overdue"})
    assert [n["kind"] for n in overdue["items"]] == ["ticket.overdue"] * 3
    w.ok("committee_staff", "POST", f"/notifications/{overdue['items'][0]['id']}/read")
    after = summary(w, "committee_staff")
    assert after["unread"]["overdue"] == 2
    assert after["batches"] == committee["batches"]

    # Nobody else's notices: another department, a college, the other committee member's reads.
    assert summary(w, "dept_other_staff") == {"unread": NONE_UNREAD, "batches": []}
    assert summary(w, "college_other_head") == {"unread": NONE_UNREAD, "batches": []}
    assert summary(w, "committee_admin")["unread"]["overdue"] == 3

    # Tomorrow is another day (in Beijing: 00:30 is still the 18th in UTC).
    travel_to(w, clock, local(2026, 3, 19, 0, 30))
    assert summary(w, "committee_staff")["batches"] == []
    assert summary(w, "committee_staff")["unread"]["overdue"] == 2


def test_the_summary_needs_a_user(world: World) -> None:
    r = world.client.get("/api/v1/notifications/summary")
    assert r.status_code == 401
