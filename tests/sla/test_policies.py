"""SLA policies: committee admins edit them; tickets get the most specific one, field by field,
and the defaults of DOMAIN.md where no policy says otherwise."""

from __future__ import annotations

from typing import Any

from backend.core.clock import FrozenClock
from tests.factories import World, create_category

BASE = "/sla-policies"


def policy(world: World, **body: Any) -> dict[str, Any]:
    return world.ok("committee_admin", "POST", BASE, json=body)


def effective(world: World, urgency: str, category_id: int | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"urgency": urgency}
    if category_id is not None:
        params["category_id"] = category_id
    return world.ok("dept_lead_staff", "GET", f"{BASE}/effective", params=params)


def test_defaults_without_policies(world: World) -> None:
    assert world.ok("college_staff", "GET", BASE) == []
    e = effective(world, "urgent", world.category.id)
    assert {k: v for k, v in e.items() if k not in ("category_id", "urgency")} == {
        "dispatch_days": 0.5,
        "accept_days": 1.0,
        "reply_days": 1.0,
        "revisit_days": 2.0,
        "score_days": 5.0,
        "max_extensions": 3,
        "max_extension_days": 3,
        "reminder_lead_days": 1.0,
    }
    assert effective(world, "complex")["reply_days"] == 15


def test_most_specific_wins_field_by_field(world: World) -> None:
    cat = world.category.id
    other = create_category(world.db).id
    world.db.commit()
    policy(world, reply_days=10, revisit_days=3)  # everything
    policy(world, urgency="urgent", reply_days=2)  # every urgent ticket
    policy(world, category_id=cat, accept_days=0.5, max_extensions=1)  # one category
    policy(world, category_id=cat, urgency="urgent", reply_days=0.5)  # both

    e = effective(world, "urgent", cat)
    assert (e["reply_days"], e["accept_days"], e["revisit_days"], e["max_extensions"]) == (
        0.5,
        0.5,
        3,
        1,
    )
    e = effective(world, "normal", cat)
    assert (e["reply_days"], e["accept_days"], e["max_extensions"]) == (10, 0.5, 1)
    e = effective(world, "urgent", other)
    assert (e["reply_days"], e["accept_days"], e["max_extensions"]) == (2, 1, 3)
    assert effective(world, "complex", other)["reply_days"] == 10

    listed = world.ok("committee_staff", "GET", BASE)
    assert [(p["category_id"], p["urgency"]) for p in listed] == [
        (None, None),
        (None, "urgent"),
        (cat, None),
        (cat, "urgent"),
    ]
    assert listed[2]["category_name"] == world.category.name


def test_admin_only_and_one_policy_per_scope(world: World) -> None:
    for role in ("committee_staff", "dept_lead_head", "college_head"):
        r = world.call(role, "POST", BASE, json={"reply_days": 3})
        assert r.status_code == 403, role
    p = policy(world, urgency="urgent", reply_days=2, note="紧急件两日内答复")
    r = world.call("committee_admin", "POST", BASE, json={"urgency": "urgent", "reply_days": 1})
    assert (r.status_code, r.json()["code"]) == (409, "policy_exists")
    r = world.call("committee_admin", "POST", BASE, json={"category_id": 999999})
    assert (r.status_code, r.json()["code"]) == (422, "unknown_category")
    r = world.call("committee_admin", "POST", BASE, json={"reply_days": 0})
    assert r.status_code == 422

    u = world.ok("committee_admin", "PUT", f"{BASE}/{p['id']}", json={"reply_days": 1.5})
    assert (u["reply_days"], u["note"], u["urgency"]) == (1.5, None, "urgent")
    assert effective(world, "urgent")["reply_days"] == 1.5
    r = world.call("committee_staff", "PUT", f"{BASE}/{p['id']}", json={})
    assert r.status_code == 403
    assert world.call("committee_admin", "DELETE", f"{BASE}/{p['id']}").status_code == 204
    assert world.call("committee_admin", "DELETE", f"{BASE}/{p['id']}").status_code == 404
    assert effective(world, "urgent")["reply_days"] == 1


def test_tickets_take_their_deadlines_and_caps_from_the_policy(
    world: World, clock: FrozenClock
) -> None:
    cat = world.category.id
    policy(
        world,
        category_id=cat,
        dispatch_days=1,
        accept_days=2,
        reply_days=3,
        revisit_days=4,
        score_days=1,
        max_extensions=1,
        max_extension_days=2,
    )
    t = world.submit(category_id=cat)
    tid = t["id"]
    # From Tuesday 10 March 10:00; whole working days end at the close (17:30).
    assert t["dispatch_due_at"] == "2026-03-11T17:30:00+08:00"
    d = world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )
    assert (d["accept_due_at"], d["reply_due_at"]) == (
        "2026-03-12T17:30:00+08:00",
        "2026-03-13T17:30:00+08:00",
    )
    world.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    r = world.call(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/extensions",
        json={"days": 3, "reason": "等待报价"},
    )
    assert (r.status_code, r.json()["code"]) == (422, "extension_too_long"), r.text
    world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/extensions",
        json={"days": 2, "reason": "等待报价"},
    )
    ext = world.ok("committee_staff", "GET", f"/tickets/{tid}/extensions")[-1]
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/extensions/{ext['id']}/decision",
        json={"approved": True},
    )
    after = world.ok("dept_lead_staff", "GET", f"/tickets/{tid}")
    # Friday 13 (close) + 2 working days = Tuesday 17 March 17:30; and no further extension.
    assert after["reply_due_at"] == "2026-03-17T17:30:00+08:00"
    assert "request_extension" not in after["allowed_actions"]
    r = world.call(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/extensions",
        json={"days": 1, "reason": "等待报价"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "extension_limit")
    rep = world.ok(
        "dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已经处理完毕。"}
    )
    assert rep["revisit_due_at"] == "2026-03-16T17:30:00+08:00"  # Tuesday + 4 working days
    rv = world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )
    assert rv["score_due_at"] == "2026-03-11T17:30:00+08:00"  # one working day
