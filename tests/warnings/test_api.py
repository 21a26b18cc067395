"""Warnings and their rules through the API: who sets rules, who sees which warnings, the
committee's decisions (约谈 or dismissal), and refusals that change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.worker.runner import Worker
from tests.delivery import last_notification_id, notified
from tests.factories import World
from tests.warnings.helpers import make_rule, sweep, warnings_of


def raise_one(world: World, db: Session, settings: Settings, clock: FrozenClock) -> int:
    """A volume warning about the lead department; its id."""
    rule = make_rule(world, kind="volume", threshold=1, days=7, department_id=world.dept_lead.id)
    world.ticket_in("dispatched")
    assert sweep(db, settings, clock) == 1
    [w] = warnings_of(db, rule["id"])
    assert w.id is not None
    return w.id


# --- rules -------------------------------------------------------------------------------------


def test_the_committee_sets_rules(world: World) -> None:
    r = make_rule(
        world,
        kind="volume",
        threshold=5,
        days=14,
        department_id=world.dept_lead.id,
        category_id=world.category.id,
    )
    assert r["kind"] == "volume"
    assert r["department"]["id"] == world.dept_lead.id
    assert r["category"] == {"id": world.category.id, "name": world.category.name}
    assert (r["threshold"], r["days"], r["rate_below"], r["is_active"]) == (5, 14, None, True)
    s = make_rule(world, kind="satisfaction", threshold=3, days=30, rate_below=0.6)
    o = make_rule(world, kind="overdue", threshold=4)
    listed = world.ok("committee_staff", "GET", "/warnings/rules")
    assert [x["id"] for x in listed] == [r["id"], s["id"], o["id"]]

    p = world.ok("committee_admin", "PATCH", f"/warnings/rules/{s['id']}", json={"rate_below": 0.7})
    assert (p["rate_below"], p["threshold"], p["days"]) == (0.7, 3, 30)
    off = world.ok(
        "committee_staff", "PATCH", f"/warnings/rules/{o['id']}", json={"is_active": False}
    )
    assert off["is_active"] is False

    gone = world.call("committee_staff", "DELETE", f"/warnings/rules/{r['id']}")
    assert gone.status_code == 204
    listed = world.ok("committee_staff", "GET", "/warnings/rules")
    assert [x["id"] for x in listed] == [s["id"], o["id"]]
    again = world.call("committee_staff", "PATCH", f"/warnings/rules/{r['id']}", json={})
    assert (again.status_code, again.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "volume", "threshold": 3}, ["days"]),
        ({"kind": "volume", "threshold": 3, "days": 7, "rate_below": 0.5}, ["rate_below"]),
        ({"kind": "satisfaction", "threshold": 3, "days": 7}, ["rate_below"]),
        ({"kind": "overdue", "threshold": 3, "days": 7}, ["days"]),
        ({"kind": "overdue", "threshold": 3, "category_id": 1}, ["category_id"]),
    ],
)
def test_fields_must_fit_the_kind(world: World, body: dict[str, Any], fields: list[str]) -> None:
    r = world.call("committee_staff", "POST", "/warnings/rules", json={"name": "x", **body})
    assert (r.status_code, r.json()["code"]) == (422, "warning_rule_fields")
    assert r.json()["fields"] == fields
    assert world.ok("committee_staff", "GET", "/warnings/rules") == []


def test_bad_rules_and_edits_change_nothing(world: World) -> None:
    for body, code in (
        ({"kind": "overdue", "threshold": 0}, "validation_error"),
        ({"kind": "often", "threshold": 2}, "validation_error"),
        (
            {"kind": "overdue", "threshold": 2, "department_id": world.college.id},
            "not_a_department",
        ),
        ({"kind": "overdue", "threshold": 2, "department_id": 999_999}, "unknown_unit"),
        (
            {"kind": "volume", "threshold": 2, "days": 3, "category_id": 999_999},
            "unknown_category",
        ),
    ):
        r = world.call("committee_staff", "POST", "/warnings/rules", json={"name": "x", **body})
        assert (r.status_code, r.json()["code"]) == (422, code), body
    assert world.ok("committee_staff", "GET", "/warnings/rules") == []

    rule = make_rule(world, kind="overdue", threshold=2)
    for body, code in (
        ({"days": 5}, "warning_rule_fields"),
        ({"threshold": None}, "warning_rule_fields"),
        ({"kind": "volume"}, "validation_error"),  # the kind stays
        ({"threshold": -1}, "validation_error"),
    ):
        r = world.call("committee_staff", "PATCH", f"/warnings/rules/{rule['id']}", json=body)
        assert (r.status_code, r.json()["code"]) == (422, code), body
    assert world.ok("committee_staff", "GET", "/warnings/rules") == [rule]


def test_only_the_committee_sees_and_sets_rules(world: World) -> None:
    rule = make_rule(world, kind="overdue", threshold=2)
    for role in ("dept_lead_head", "dept_lead_staff", "college_head"):
        for method, path, body in (
            ("GET", "/warnings/rules", None),
            ("POST", "/warnings/rules", {"name": "x", "kind": "overdue", "threshold": 1}),
            ("PATCH", f"/warnings/rules/{rule['id']}", {"threshold": 9}),
            ("DELETE", f"/warnings/rules/{rule['id']}", None),
        ):
            r = world.call(role, method, path, json=body)
            assert (r.status_code, r.json()["code"]) == (403, "action_forbidden"), (role, method)
    assert world.ok("committee_staff", "GET", "/warnings/rules") == [rule]


# --- warnings ----------------------------------------------------------------------------------


def test_who_sees_which_warnings(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    wid = raise_one(world, db, settings, clock)
    # Another department's warning, which dept_lead never sees.
    other = make_rule(world, kind="volume", threshold=1, days=7, department_id=world.dept_other.id)
    t = world.submit()
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{t['id']}/dispatch",
        json={"lead_department_id": world.dept_other.id},
    )
    assert sweep(db, settings, clock) == 1
    [theirs] = warnings_of(db, other["id"])

    everything = world.ok("committee_staff", "GET", "/warnings")
    assert [w["id"] for w in everything["items"]] == [theirs.id, wid]
    first = everything["items"][1]
    assert first["department"]["id"] == world.dept_lead.id
    assert first["allowed_actions"] == ["interview", "dismiss"]
    assert (first["observed"], first["threshold"], first["status"]) == (1, 1, "open")
    assert first["raised_at"].endswith("+08:00")
    by_dept = world.ok(
        "committee_staff", "GET", "/warnings", params={"department_id": world.dept_other.id}
    )
    assert [w["id"] for w in by_dept["items"]] == [theirs.id]
    paged = world.ok("committee_staff", "GET", "/warnings", params={"limit": 1})
    assert [w["id"] for w in paged["items"]] == [theirs.id]
    rest = world.ok("committee_staff", "GET", "/warnings", params={"before": paged["next_cursor"]})
    assert [w["id"] for w in rest["items"]] == [wid]

    for role in ("dept_lead_head", "dept_lead_staff"):
        mine = world.ok(role, "GET", "/warnings")
        assert [w["id"] for w in mine["items"]] == [wid], role
        assert mine["items"][0]["allowed_actions"] == []
        assert world.ok(role, "GET", f"/warnings/{wid}")["id"] == wid
        r = world.call(role, "GET", f"/warnings/{theirs.id}")
        assert r.status_code == 404, role
    assert world.ok("dept_assist_staff", "GET", "/warnings")["items"] == []
    for role in ("college_head", "college_staff"):
        assert world.call(role, "GET", "/warnings").status_code == 404, role
        assert world.call(role, "GET", f"/warnings/{wid}").status_code == 404, role


def test_the_committee_records_the_interview(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    wid = raise_one(world, db, settings, clock)
    body = {
        "held_at": "2026-03-10T09:00:00+08:00",
        "attendees": "机关党委张书记；后勤处李处长",
        "notes": "约谈后勤处，要求两周内整改空调维修响应。",
    }
    w = world.ok("committee_staff", "POST", f"/warnings/{wid}/interview", json=body)
    assert w["status"] == "interviewed"
    assert (w["held_at"], w["attendees"], w["notes"]) == (
        body["held_at"],
        body["attendees"],
        body["notes"],
    )
    assert w["decided_by"]["id"] == world["committee_staff"].id
    assert w["allowed_actions"] == []
    # The department reads the record of its talk.
    assert world.ok("dept_lead_head", "GET", f"/warnings/{wid}")["notes"] == body["notes"]

    # A second decision, of either kind: 409, and the record stays as it was.
    for path, again in (
        ("interview", {**body, "notes": "改写"}),
        ("dismiss", {"reason": "不需要"}),
    ):
        r = world.call("committee_admin", "POST", f"/warnings/{wid}/{path}", json=again)
        assert (r.status_code, r.json()["code"]) == (409, "warning_decided"), path
    assert world.ok("committee_staff", "GET", f"/warnings/{wid}") == w


def test_the_committee_dismisses_with_a_reason(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    wid = raise_one(world, db, settings, clock)
    w = world.ok("committee_staff", "POST", f"/warnings/{wid}/dismiss", json={"reason": "重复工单"})
    assert (w["status"], w["dismiss_reason"], w["held_at"]) == ("dismissed", "重复工单", None)
    listed = world.ok("committee_staff", "GET", "/warnings", params={"status": "dismissed"})
    assert [x["id"] for x in listed["items"]] == [wid]
    assert world.ok("committee_staff", "GET", "/warnings", params={"status": "open"})["items"] == []


def test_refused_decisions_change_nothing(
    world: World, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    wid = raise_one(world, db, settings, clock)
    before = world.ok("committee_staff", "GET", f"/warnings/{wid}")
    interview = {"held_at": "2026-03-10T09:00:00+08:00", "attendees": "甲", "notes": "乙"}
    for role, path, body, want in (
        ("dept_lead_head", "interview", interview, (403, "action_forbidden")),
        ("dept_lead_head", "dismiss", {"reason": "x"}, (403, "action_forbidden")),
        ("dept_other_staff", "dismiss", {"reason": "x"}, (404, "not_found")),
        ("college_head", "dismiss", {"reason": "x"}, (404, "not_found")),
        ("committee_staff", "dismiss", {"reason": "   "}, (422, "validation_error")),
        ("committee_staff", "dismiss", {}, (422, "validation_error")),
        (
            "committee_staff",
            "interview",
            {**interview, "held_at": "2026-03-10T09:00:00"},
            (422, "naive_datetime"),
        ),
        ("committee_staff", "interview", {**interview, "attendees": ""}, (422, "validation_error")),
        ("committee_staff", "interview", {**interview, "extra": 1}, (422, "validation_error")),
    ):
        r = world.call(role, "POST", f"/warnings/{wid}/{path}", json=body)
        assert (r.status_code, r.json()["code"]) == want, (role, path, body)
    assert world.ok("committee_staff", "GET", f"/warnings/{wid}") == before
    r = world.call("committee_staff", "POST", "/warnings/999999/dismiss", json={"reason": "x"})
    assert r.status_code == 404


def test_the_department_head_and_the_committee_are_told(
    world: World, db: Session, settings: Settings, clock: FrozenClock, worker: Worker
) -> None:
    since = last_notification_id(db)
    wid = raise_one(world, db, settings, clock)
    worker.drain()  # the ticket's notices and the warning's
    told = notified(db, world, kind="warning.raised", since=since)
    assert told == {"dept_lead_head": 1, "committee_admin": 1, "committee_staff": 1}
    inbox = world.ok("dept_lead_head", "GET", "/notifications", params={"group": "supervision"})
    [n] = [n for n in inbox["items"] if n["kind"] == "warning.raised"]
    assert n["link"] == f"/warnings/{wid}"
    assert n["ticket_id"] is None
    assert "1 件" in n["body"]
