"""GET /stats/departments and GET/PUT /stats/weights through the real API.

Every ticket is driven through the ticket endpoints with a frozen clock (T0 is 2026-03-10 10:00 in
the office time zone); the expected counts are worked out by hand from the steps taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from backend.core.clock import FrozenClock
from tests.factories import Actor, World, headers_for

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
REPLY = {"content": "已更换压缩机，空调恢复制冷。"}
RETURN_BODY = {"reason_code": "not_our_remit", "reason": "不属于本部门职责范围"}


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def advance_to(world: World, clock: FrozenClock, when: datetime) -> None:
    """Moves the clock and signs everyone in again (their access tokens would have expired)."""
    clock.advance(when - clock.now())
    for role, actor in world.actors.items():
        world.actors[role] = Actor(actor.user, headers_for(world.db, world.settings, actor.user))
    world.db.commit()


def stats(world: World, role: str = "committee_staff", **period: str) -> dict[int, dict[str, Any]]:
    r = world.call(role, "GET", "/stats/departments", params=period or MARCH)
    assert r.status_code == 200, r.text
    return {row["department"]["id"]: row for row in r.json()["items"]}


def rate(row: dict[str, Any], measure: str) -> tuple[int, int]:
    return row[measure]["numerator"], row[measure]["denominator"]


def dispatch(world: World, tid: int) -> dict[str, Any]:
    body = {
        "lead_department_id": world.dept_lead.id,
        "assisting_department_ids": [world.dept_assist.id],
    }
    return world.ok("committee_staff", "POST", f"/tickets/{tid}/dispatch", json=body)


def test_a_closed_ticket_counts_once_for_the_lead_and_not_for_the_assisting(
    world: World, clock: FrozenClock
) -> None:
    t = world.ticket_in("revisited")
    assert at(t["reply_due_at"]) < at("2026-03-31T16:00:00Z")  # due in March (local)
    world.ok(
        "college_staff",
        "POST",
        f"/tickets/{t['id']}/score",
        json={"efficiency": 5, "handling": 4, "effect": 3},
    )
    rows = stats(world)
    lead = rows[world.dept_lead.id]  # type: ignore[index]
    # Signed at once, replied at once, revisited resolved, scored 4 overall: all 1/1.
    for m in ("response", "on_time", "resolution", "satisfaction"):
        assert rate(lead, m) == (1, 1)
        assert lead[m]["rate"] == 1.0
    assert lead["scores"] == {"efficiency": 5.0, "handling": 4.0, "effect": 3.0, "overall": 4.0}
    assert lead["composite"] == 1.0
    assert lead["composite_ignored"] == []
    assert lead["rank"] == 1
    assist = rows[world.dept_assist.id]  # type: ignore[index]
    assert all(
        assist[m]["denominator"] == 0 and assist[m]["rate"] is None
        for m in ("response", "on_time", "resolution", "satisfaction")
    )
    assert assist["composite"] is None
    assert assist["rank"] is None
    assert assist["composite_ignored"] == ["response", "on_time", "resolution", "satisfaction"]
    # A later period sees nothing: each measure counts when its event happened.
    april = stats(world, **{"from": "2026-04-01", "to": "2026-04-30"})[world.dept_lead.id]  # type: ignore[index]
    assert april["response"]["denominator"] == 0
    assert april["satisfaction"]["denominator"] == 0


def test_on_time_with_extension_and_a_passed_deadline(world: World, clock: FrozenClock) -> None:
    # 1: extended, replied after the first deadline but before the extended one: on time.
    a = dispatch(world, world.submit()["id"])
    world.ok("dept_lead_staff", "POST", f"/tickets/{a['id']}/accept")
    ext = world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{a['id']}/extensions",
        json={"days": 2, "reason": "等待厂家"},
    )
    extended = at(
        world.ok(
            "committee_staff",
            "POST",
            f"/tickets/{a['id']}/extensions/{ext['id']}/decision",
            json={"approved": True},
        )["reply_due_at"]
    )
    first_due = at(a["reply_due_at"])
    assert extended > first_due
    # 2: no reply at all.
    b = dispatch(world, world.submit()["id"])
    world.ok("dept_lead_staff", "POST", f"/tickets/{b['id']}/accept")
    assert at(b["reply_due_at"]) <= extended
    # Nothing is decided yet: no deadline passed, nothing replied.
    assert rate(stats(world)[world.dept_lead.id], "on_time") == (0, 0)  # type: ignore[index]

    advance_to(world, clock, first_due + timedelta(minutes=1))
    world.ok("dept_lead_staff", "POST", f"/tickets/{a['id']}/reply", json=REPLY)
    advance_to(world, clock, max(at(b["reply_due_at"]), first_due) + timedelta(minutes=2))
    lead = stats(world)[world.dept_lead.id]  # type: ignore[index]
    # a on time (extended), b late (passed without a reply).
    assert rate(lead, "on_time") == (1, 2)
    assert lead["on_time"]["rate"] == 0.5
    assert rate(lead, "response") == (2, 2)


def test_replied_after_the_extended_deadline_is_late(world: World, clock: FrozenClock) -> None:
    a = dispatch(world, world.submit()["id"])
    world.ok("dept_lead_staff", "POST", f"/tickets/{a['id']}/accept")
    ext = world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{a['id']}/extensions",
        json={"days": 2, "reason": "等待厂家"},
    )
    extended = at(
        world.ok(
            "committee_staff",
            "POST",
            f"/tickets/{a['id']}/extensions/{ext['id']}/decision",
            json={"approved": True},
        )["reply_due_at"]
    )
    advance_to(world, clock, extended + timedelta(minutes=1))
    world.ok("dept_lead_staff", "POST", f"/tickets/{a['id']}/reply", json=REPLY)
    lead = stats(world)[world.dept_lead.id]  # type: ignore[index]
    assert rate(lead, "on_time") == (0, 1)
    assert lead["on_time"]["rate"] == 0.0
    # Response 1/1, on time 0/1; the rest have nothing: composite = (0.2·1 + 0.3·0) / 0.5.
    assert lead["composite_ignored"] == ["resolution", "satisfaction"]
    assert lead["composite"] == pytest.approx(0.4)


def test_an_unreasonable_return_and_a_reopen_are_counted(world: World, clock: FrozenClock) -> None:
    tid = world.submit()["id"]
    dispatch(world, tid)
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/return", json=RETURN_BODY)
    [ret] = world.ok("committee_staff", "GET", f"/tickets/{tid}/returns")
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/returns/{ret['id']}/judgement",
        json={"reasonable": False, "note": "属于职责"},
    )
    other = world.ticket_in("replied")["id"]
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{other}/revisit",
        json={"method": "phone", "outcome": "unresolved"},
    )
    world.ok("committee_staff", "POST", f"/tickets/{other}/reopen", json={"reason": "仍不制冷"})
    lead = stats(world)[world.dept_lead.id]  # type: ignore[index]
    assert (lead["returns"], lead["unreasonable_returns"], lead["reopens"]) == (1, 1, 1)
    # Both first rounds were answered in time (the return too); the reopen's new round is a
    # dispatch not yet signed for.
    assert rate(lead, "response") == (2, 3)
    assert rate(lead, "resolution") == (0, 1)


def test_a_merged_tickets_score_counts_for_the_replying_department(
    world: World, clock: FrozenClock
) -> None:
    root = world.ticket_in("dispatched")["id"]
    follower = world.submit()["id"]
    world.ok("committee_staff", "POST", f"/tickets/{follower}/merge", json={"primary_id": root})
    world.ok("dept_lead_staff", "POST", f"/tickets/{root}/accept")
    world.ok("dept_lead_staff", "POST", f"/tickets/{root}/reply", json=REPLY)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{root}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )
    world.ok(
        "college_staff",
        "POST",
        f"/tickets/{root}/score",
        json={"efficiency": 5, "handling": 5, "effect": 5},
    )
    world.ok(
        "college_staff",
        "POST",
        f"/tickets/{follower}/score",
        json={"efficiency": 2, "handling": 2, "effect": 2},
    )
    lead = stats(world)[world.dept_lead.id]  # type: ignore[index]
    assert rate(lead, "satisfaction") == (1, 2)
    assert lead["scores"]["overall"] == 3.5
    assert rate(lead, "response") == (1, 1)  # the merged ticket was never dispatched


def test_an_approved_exclusion_removes_the_ticket_and_a_pending_one_does_not(
    world: World, clock: FrozenClock
) -> None:
    kept = world.ticket_in("replied")["id"]
    gone = world.ticket_in("replied")["id"]
    ask = {"reason_kind": "malicious", "reason": "恶意投诉"}
    world.ok("dept_lead_head", "POST", "/exclusions", json={"ticket_id": kept, **ask})
    lead = stats(world)[world.dept_lead.id]  # type: ignore[index]
    assert rate(lead, "response") == (2, 2)
    assert lead["excluded"] == 0
    world.ok("committee_staff", "POST", "/exclusions", json={"ticket_id": gone, **ask})
    lead = stats(world)[world.dept_lead.id]  # type: ignore[index]
    assert rate(lead, "response") == (1, 1)
    assert rate(lead, "on_time") == (1, 1)
    assert lead["excluded"] == 1


def test_period_boundaries_are_office_days(world: World, clock: FrozenClock) -> None:
    # 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Asia/Shanghai: an April dispatch.
    advance_to(world, clock, at("2026-03-31T16:30:00Z"))
    dispatch(world, world.submit()["id"])
    assert stats(world)[world.dept_lead.id]["response"]["denominator"] == 0  # type: ignore[index]
    one_day = {"from": "2026-04-01", "to": "2026-04-01"}
    assert stats(world, **one_day)[world.dept_lead.id]["response"]["denominator"] == 1  # type: ignore[index]
    r = world.call(
        "committee_staff",
        "GET",
        "/stats/departments",
        params={"from": "2026-04-02", "to": "2026-04-01"},
    )
    assert (r.status_code, r.json()["code"]) == (422, "bad_range")


def test_scopes_per_role(world: World, clock: FrozenClock) -> None:
    world.ticket_in("replied")
    committee = stats(world)
    assert set(committee) == {world.dept_lead.id, world.dept_assist.id, world.dept_other.id}
    own = stats(world, "dept_lead_staff")
    assert list(own) == [world.dept_lead.id]
    assert own[world.dept_lead.id]["rank"] == committee[world.dept_lead.id]["rank"] == 1  # type: ignore[index]
    assert list(stats(world, "dept_other_staff")) == [world.dept_other.id]
    for role in ("college_staff", "college_head"):
        r = world.call(role, "GET", "/stats/departments")
        assert r.status_code == 403
        assert world.call(role, "GET", "/stats/weights").status_code == 403


def test_weights_are_admin_only_and_validated(world: World, clock: FrozenClock) -> None:
    w = world.ok("committee_staff", "GET", "/stats/weights")
    assert (w["response"], w["on_time"], w["resolution"], w["satisfaction"]) == (0.2, 0.3, 0.2, 0.3)
    assert w["updated_at"] is None
    body = {"response": 1, "on_time": 0, "resolution": 0, "satisfaction": 0}
    for role in ("committee_staff", "dept_lead_head"):
        r = world.call(role, "PUT", "/stats/weights", json=body)
        assert (r.status_code, r.json()["code"]) == (403, "admin_required")
    r = world.call("committee_admin", "PUT", "/stats/weights", json={**body, "response": 0})
    assert (r.status_code, r.json()["code"]) == (422, "weights_sum_zero")
    r = world.call("committee_admin", "PUT", "/stats/weights", json={**body, "on_time": -1})
    assert r.status_code == 422
    assert world.ok("committee_staff", "GET", "/stats/weights")["updated_at"] is None

    # Only the response rate weighs now: the late-replied ticket's composite is its response.
    assert world.ok("committee_admin", "PUT", "/stats/weights", json=body)["response"] == 1
    tid = dispatch(world, world.submit()["id"])["id"]
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    page = world.ok("dept_lead_staff", "GET", "/stats/departments", params=MARCH)
    assert page["weights"]["response"] == 1.0
    assert page["items"][0]["composite"] == 1.0
    assert set(page["formulas"]) >= {
        "response",
        "on_time",
        "resolution",
        "satisfaction",
        "composite",
    }


def test_a_late_acceptance_misses_response_and_a_returned_round_has_no_reply_due(
    world: World, clock: FrozenClock
) -> None:
    late = dispatch(world, world.submit()["id"])
    returned = dispatch(world, world.submit()["id"])
    world.ok("dept_lead_staff", "POST", f"/tickets/{returned['id']}/return", json=RETURN_BODY)
    advance_to(world, clock, at(late["accept_due_at"]) + timedelta(minutes=1))
    world.ok("dept_lead_staff", "POST", f"/tickets/{late['id']}/accept")
    advance_to(world, clock, at(returned["reply_due_at"]) + timedelta(minutes=1))
    assert at(returned["reply_due_at"]) < at("2026-03-31T16:00:00Z")
    lead = stats(world)[world.dept_lead.id]  # type: ignore[index]
    # Signed after its deadline: 0; returned in time: 1 — of 2 dispatches.
    assert rate(lead, "response") == (1, 2)
    # The late ticket's deadline passed without a reply (late); the returned round is not due.
    assert rate(lead, "on_time") == (0, 1)
    assert lead["returns"] == 1
    assert lead["unreasonable_returns"] == 0
