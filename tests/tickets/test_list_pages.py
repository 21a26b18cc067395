"""Issue 9: the list as the SPA pages it — numbered pages with a total, the 退单 filter and flag,
and each ticket's undecided extension request loaded with the page, not once per ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.factories import World

RETURN = {"reason_code": "needs_info", "reason": "请补充具体楼层和房间号"}
EXTENSION = {"days": 3, "reason": "需等待设备到货"}


def _cursor_ids(world: World, role: str, **params: str) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        query = {"limit": "2", **params, **({"cursor": cursor} if cursor else {})}
        page = world.ok(role, "GET", "/tickets", params=query)
        assert page["total"] is None  # cursor mode stays as it was for sync clients
        ids += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


def test_numbered_pages_partition_the_list_and_all_report_the_total(world: World) -> None:
    made = [world.submit(title=f"分页测试意见{i}")["id"] for i in range(7)]
    newest_first = list(reversed(made))
    assert _cursor_ids(world, "committee_staff", q="分页测试") == newest_first

    seen: list[int] = []
    for number in (1, 2, 3, 4):  # full, full, the last row, past the end
        page = world.ok(
            "committee_staff",
            "GET",
            "/tickets",
            params={"q": "分页测试", "page": number, "limit": 3},
        )
        assert page["total"] == 7, number
        assert page["next_cursor"] is None
        seen += [i["id"] for i in page["items"]]
    assert seen == newest_first
    # The sort applies in page mode too.
    oldest = world.ok(
        "committee_staff",
        "GET",
        "/tickets",
        params={"q": "分页测试", "page": 1, "limit": 3, "sort": "created_at"},
    )
    assert [i["id"] for i in oldest["items"]] == made[:3]
    # A filter that matches nothing: total 0 on the first page.
    none = world.ok("committee_staff", "GET", "/tickets", params={"q": "无此意见", "page": 1})
    assert (none["items"], none["total"]) == ([], 0)
    # Scope applies to the total: a department that holds none of them counts none.
    dept = world.ok("dept_lead_staff", "GET", "/tickets", params={"q": "分页测试", "page": 2})
    assert (dept["items"], dept["total"]) == ([], 0)


def test_page_with_cursor_and_a_page_below_one_are_refused(world: World) -> None:
    world.submit()
    world.submit()
    first = world.ok("committee_staff", "GET", "/tickets", params={"limit": 1})
    assert first["next_cursor"]
    r = world.call(
        "committee_staff",
        "GET",
        "/tickets",
        params={"page": 1, "cursor": first["next_cursor"]},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "page_with_cursor"
    for bad in ("0", "-1", "x"):
        r = world.call("committee_staff", "GET", "/tickets", params={"page": bad})
        assert (r.status_code, r.json()["code"]) == (422, "validation_error"), bad


def test_returned_filter_and_flag(world: World) -> None:
    never = world.ticket_in("dispatched")
    waiting = world.ticket_in("dispatched")
    world.ok("dept_lead_staff", "POST", f"/tickets/{waiting['id']}/return", json=RETURN)
    redispatched = world.ticket_in("dispatched")
    world.ok("dept_lead_staff", "POST", f"/tickets/{redispatched['id']}/return", json=RETURN)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{redispatched['id']}/dispatch",
        json={"lead_department_id": world.dept_other.id},
    )
    returned_ids = {waiting["id"], redispatched["id"]}

    for role in ("committee_staff", "dept_lead_staff", "college_head", "college_staff"):
        everything = world.ok(role, "GET", "/tickets", params={"limit": 100})["items"]
        flags = {i["id"]: i["returned"] for i in everything}
        assert flags == {never["id"]: False, waiting["id"]: True, redispatched["id"]: True}, role
        assert set(_cursor_ids(world, role, returned="true")) == returned_ids, role
        assert _cursor_ids(world, role, returned="false") == [never["id"]], role
    # Returned and waiting for re-dispatch: the committee's 退单 queue.
    queue = world.ok(
        "committee_staff", "GET", "/tickets", params={"returned": "true", "status": "submitted"}
    )
    assert [i["id"] for i in queue["items"]] == [waiting["id"]]
    # The department it went to next sees it returned (by another department) as well.
    other = world.ok("dept_other_staff", "GET", "/tickets", params={"returned": "true"})
    assert [i["id"] for i in other["items"]] == [redispatched["id"]]


def _item(world: World, role: str, ticket_id: int) -> dict[str, Any]:
    items = world.ok(role, "GET", "/tickets", params={"limit": 100})["items"]
    (item,) = [i for i in items if i["id"] == ticket_id]
    return item


def test_each_item_carries_its_undecided_extension_where_extensions_are_readable(
    world: World,
) -> None:
    waiting = world.ticket_in("accepted")
    decided = world.ticket_in("accepted")
    plain = world.ticket_in("accepted")
    asked = world.ok(
        "dept_lead_staff", "POST", f"/tickets/{waiting['id']}/extensions", json=EXTENSION
    )
    old = world.ok("dept_lead_head", "POST", f"/tickets/{decided['id']}/extensions", json=EXTENSION)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{decided['id']}/extensions/{old['id']}/decision",
        json={"approved": False, "note": "请按期答复"},
    )

    for role in ("committee_staff", "dept_lead_staff", "dept_lead_head", "dept_assist_staff"):
        # Exactly what GET /tickets/{id}/extensions says of the undecided request.
        (expected,) = [
            e
            for e in world.ok(role, "GET", f"/tickets/{waiting['id']}/extensions")
            if e["status"] == "pending"
        ]
        assert _item(world, role, waiting["id"])["pending_extension"] == expected, role
        assert expected["id"] == asked["id"]
        assert expected["requested_by"]["id"] == world["dept_lead_staff"].id
        assert _item(world, role, decided["id"])["pending_extension"] is None, role
        assert _item(world, role, plain["id"])["pending_extension"] is None, role

    # Colleges may not read extensions: never in their list either.
    for role in ("college_head", "college_staff"):
        assert world.call(role, "GET", f"/tickets/{waiting['id']}/extensions").status_code == 403
        assert _item(world, role, waiting["id"])["pending_extension"] is None, role


def test_extensions_come_with_the_page_not_one_query_per_ticket(
    world: World, count_queries: Callable[[], int]
) -> None:
    def cost(params: dict[str, Any]) -> tuple[int, int]:
        before = count_queries()
        page = world.ok("committee_staff", "GET", "/tickets", params=params)
        spent = count_queries() - before
        return spent, sum(1 for i in page["items"] if i["pending_extension"] is not None)

    def with_pending() -> None:
        t = world.ticket_in("accepted")
        world.ok("dept_lead_staff", "POST", f"/tickets/{t['id']}/extensions", json=EXTENSION)

    with_pending()
    for params in ({"limit": 100}, {"page": 1, "limit": 100}):
        cost(params)  # warm up: the first request of a shape compiles its statement
    one = cost({"limit": 100}), cost({"page": 1, "limit": 100})
    for _ in range(4):
        with_pending()
    five = cost({"limit": 100}), cost({"page": 1, "limit": 100})
    assert [n for _, n in one] == [1, 1]
    assert [n for _, n in five] == [5, 5]
    assert [q for q, _ in five] == [q for q, _ in one]
