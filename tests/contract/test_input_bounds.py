"""Out-of-range input is a 4xx, never a 500: ids beyond an id column (or below 1), timestamps and
dates whose conversion overflows, forged cursors, and the status list that once clashed with a
bind parameter of the extension filter."""

from __future__ import annotations

import base64
import re
from typing import Any

import orjson
import pytest

from backend.config import Settings
from backend.main import create_app
from tests.factories import World

TOO_BIG = 2**63
INT_TOO_BIG = 2**31  # the id columns are INTEGER: 32 bits on PostgreSQL
ROLES = ("committee_admin", "dept_lead_head", "college_head")


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


# The issue's list, verbatim where it gives one.
EDGES = [
    f"/tickets/{TOO_BIG}",
    f"/tickets/{INT_TOO_BIG}",
    f"/tickets/{INT_TOO_BIG}/events",
    f"/supervision-orders/{INT_TOO_BIG}",
    f"/tickets?department_id={TOO_BIG}",
    f"/tickets?department_id={INT_TOO_BIG}",
    f"/tickets?college_id={TOO_BIG}",
    f"/tickets?category_id={TOO_BIG}",
    f"/tickets/counts?department_id={TOO_BIG}",
    f"/supervision-orders?before={TOO_BIG}",
    f"/sla-policies/effective?urgency=normal&category_id={TOO_BIG}",
    "/tickets?created_from=0001-01-01T00:00:00%2B05:00",
    "/tickets?created_to=9999-12-31T23:59:59-05:00",
    "/tickets?cursor=" + _cursor(orjson.dumps(["0001-01-01T00:00:00+05:00", 1])),
    "/tickets?cursor=" + _cursor(b'["2026-03-10T10:00:00+08:00", ' + b"7" * 70 + b"]"),
    "/tickets?cursor=" + _cursor(orjson.dumps(["2026-03-10T10:00:00+08:00", TOO_BIG])),
    "/notifications?cursor=" + _cursor(b"7" * 70),
    "/notifications?cursor=" + _cursor(str(TOO_BIG).encode()),
    "/calendar/workdays?from=9999-12-01&to=9999-12-31",
    "/calendar/days?from=0001-01-01",
    "/tickets/0",
    "/tickets/-1",
]


@pytest.mark.parametrize("role", ROLES)
def test_the_issues_edges_are_4xx_for_every_role(world: World, role: str) -> None:
    answers = {path: world.call(role, "GET", path) for path in EDGES}
    assert {p: r.status_code for p, r in answers.items() if not 400 <= r.status_code < 500} == {}
    for path, r in answers.items():
        assert r.headers["content-type"] == "application/problem+json", path


def test_forged_cursors_are_bad_cursor(world: World) -> None:
    for path in [p for p in EDGES if "cursor=" in p]:
        r = world.call("committee_admin", "GET", path)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["code"] == "bad_cursor", path


def test_ids_out_of_range_in_bodies_are_422(world: World) -> None:
    t = world.submit()
    for path, body in [
        (f"/tickets/{t['id']}/merge", {"primary_id": TOO_BIG}),
        (f"/tickets/{t['id']}/dispatch", {"lead_department_id": TOO_BIG}),
        (
            f"/tickets/{t['id']}/dispatch",
            {"lead_department_id": world.dept_lead.id, "assisting_department_ids": [0]},
        ),
        ("/supervision-orders", {"ticket_id": TOO_BIG, "reason": "督办"}),
        ("/supervision-orders", {"ticket_id": INT_TOO_BIG, "reason": "督办"}),
        ("/tickets", {"title": "标题", "content": "内容内容", "category_id": TOO_BIG}),
    ]:
        r = world.call("committee_admin", "POST", path, json=body)
        assert r.status_code == 422, (path, r.status_code, r.text)
    r = world.call("committee_admin", "PATCH", f"/units/{TOO_BIG}", json={"name": "x"})
    assert r.status_code == 422, r.text


def test_deadlines_that_overflow_are_422(world: World) -> None:
    t = world.submit()
    r = world.call(
        "committee_staff",
        "POST",
        f"/tickets/{t['id']}/dispatch",
        json={
            "lead_department_id": world.dept_lead.id,
            "reply_due_at": "9999-12-31T23:59:59-05:00",
        },
    )
    assert r.status_code == 422, r.text
    assert world.ok("committee_staff", "GET", f"/tickets/{t['id']}")["status"] == "submitted"


def _integer_path_operations(settings: Settings) -> list[tuple[str, str, list[str]]]:
    spec = create_app(settings=settings).openapi()
    found = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ints = [
                p["name"]
                for p in op.get("parameters", [])
                if p["in"] == "path" and p["schema"].get("type") == "integer"
            ]
            if ints:
                found.append((method.upper(), path.removeprefix("/api/v1"), ints))
    return found


def test_every_integer_path_parameter_refuses_ids_no_id_column_holds(
    world: World, settings: Settings
) -> None:
    operations = _integer_path_operations(settings)
    assert len(operations) > 20  # the sweep really looks at the API
    ticket = world.ticket_in("accepted")
    failures: list[Any] = []
    for method, template, names in operations:
        for bad in (TOO_BIG, INT_TOO_BIG, 0):
            for target in names:
                path = template
                for name in names:
                    value = bad if name == target else ticket["id"]
                    path = path.replace("{" + name + "}", str(value))
                r = world.call("committee_admin", method, path, json={})
                if r.status_code != 422:
                    failures.append((method, path, r.status_code))
    assert failures == []


def test_the_path_id_schema_says_what_an_id_column_holds(settings: Settings) -> None:
    spec = create_app(settings=settings).openapi()
    schema = spec["paths"]["/api/v1/tickets/{ticket_id}"]["get"]["parameters"][0]["schema"]
    assert (schema["minimum"], schema["maximum"]) == (1, 2**31 - 1)


@pytest.mark.parametrize("role", ROLES)
def test_a_status_list_with_the_pending_extension_filter_is_answered(
    world: World, role: str
) -> None:
    """The status list's bind parameters were named like the one SQLAlchemy gives the literal
    'pending' of the extension rule: every role got a 500."""
    waiting = world.ticket_in("accepted")
    world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{waiting['id']}/extensions",
        json={"days": 2, "reason": "需要采购配件"},
    )
    plain = world.ticket_in("accepted")
    for query, expected in [
        ("status=closed&status=replied&pending_extension=true", set()),
        ("status=accepted&status=replied&pending_extension=true", {waiting["id"]}),
        ("status=accepted&status=replied&pending_extension=false", {plain["id"]}),
    ]:
        r = world.call(role, "GET", f"/tickets?{query}&limit=100")
        assert r.status_code == 200, (query, r.text)
        ids = {i["id"] for i in r.json()["items"]} & {waiting["id"], plain["id"]}
        assert ids == expected, query


def test_dates_of_the_calendar_are_bounded(world: World) -> None:
    for path in ("/calendar/workdays?from=9999-12-01&to=9999-12-31", "/calendar/days/0001-01-01"):
        method = "DELETE" if path.startswith("/calendar/days/") else "GET"
        r = world.call("committee_admin", method, path)
        assert r.status_code == 422, (path, r.text)
        assert re.search(r"1900.+9000", r.text), r.text
