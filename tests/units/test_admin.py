"""Administering the organisation: units, users and categories, by committee admins only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.factories import PASSWORD, World

NOT_ADMINS = ("committee_staff", "dept_lead_head", "college_head", "college_staff")


def uniq(prefix: str = "x") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def assert_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code
    assert body["status"] == status
    return body


def new_unit(world: World, kind: str = "department", **body: Any) -> dict[str, Any]:
    payload = {"kind": kind, "name": uniq("单位"), "code": uniq("U"), **body}
    r = world.call("committee_admin", "POST", "/units", json=payload)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def user_body(world: World, **body: Any) -> dict[str, Any]:
    return {
        "username": uniq("user"),
        "display_name": "张老师",
        "password": "long-enough-password",
        "unit_id": world.dept_lead.id,
        **body,
    }


def new_user(world: World, **body: Any) -> dict[str, Any]:
    r = world.call("committee_admin", "POST", "/users", json=user_body(world, **body))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def ids(rows: list[dict[str, Any]]) -> set[int]:
    return {row["id"] for row in rows}


# --- units ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["department", "college"])
def test_admin_creates_and_updates_units(world: World, kind: str) -> None:
    unit = new_unit(world, kind, name=f"教务处{kind}", code=f"JW-{kind}")
    assert unit["kind"] == kind
    assert unit["name"] == f"教务处{kind}"
    assert unit["code"] == f"JW-{kind}"
    assert unit["is_active"] is True

    listed = world.ok("college_staff", "GET", "/units")
    assert unit in listed

    patched = world.ok("committee_admin", "PATCH", f"/units/{unit['id']}", json={"name": "新名称"})
    assert patched == {**unit, "name": "新名称"}


def test_units_filter_by_kind(world: World) -> None:
    departments = world.ok("college_staff", "GET", "/units", params={"kind": "department"})
    assert departments
    assert {u["kind"] for u in departments} == {"department"}
    assert {world.dept_lead.id, world.dept_assist.id, world.dept_other.id} <= ids(departments)
    assert world.college.id not in ids(departments)

    colleges = world.ok("college_staff", "GET", "/units", params={"kind": "college"})
    assert {u["kind"] for u in colleges} == {"college"}
    assert {world.college.id, world.college_other.id} <= ids(colleges)

    r = world.call("college_staff", "GET", "/units", params={"kind": "ministry"})
    assert_problem(r, 422, "validation_error")


def test_inactive_units_are_listed_only_on_request(world: World) -> None:
    unit = new_unit(world)
    world.ok("committee_admin", "PATCH", f"/units/{unit['id']}", json={"is_active": False})
    assert unit["id"] not in ids(world.ok("committee_staff", "GET", "/units"))
    everything = world.ok("committee_staff", "GET", "/units", params={"include_inactive": True})
    assert {**unit, "is_active": False} in everything


@pytest.mark.parametrize("field", ["name", "code"])
def test_duplicate_unit_name_or_code_is_a_conflict(world: World, field: str) -> None:
    first = new_unit(world)
    r = world.call(
        "committee_admin",
        "POST",
        "/units",
        json={"kind": "college", "name": uniq(), "code": uniq("C"), field: first[field]},
    )
    assert_problem(r, 409, "unit_exists")

    second = new_unit(world)
    r = world.call("committee_admin", "PATCH", f"/units/{second['id']}", json={field: first[field]})
    assert_problem(r, 409, "unit_exists")
    # Keeping one's own name or code is not a conflict.
    world.ok("committee_admin", "PATCH", f"/units/{first['id']}", json={field: first[field]})


def test_there_is_one_committee(world: World) -> None:
    r = world.call(
        "committee_admin",
        "POST",
        "/units",
        json={"kind": "committee", "name": uniq(), "code": uniq()},
    )
    assert_problem(r, 409, "committee_exists")
    r = world.call(
        "committee_admin", "PATCH", f"/units/{world.committee.id}", json={"is_active": False}
    )
    assert_problem(r, 409, "committee_required")


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "ministry", "name": "某部", "code": "MB"},
        {"kind": "department", "name": "", "code": "EMPTY"},
        {"kind": "department", "name": "有空格", "code": "has space"},
        {"kind": "department", "name": "太长", "code": "C" * 33},
        {"kind": "department", "code": "NONAME"},
    ],
)
def test_invalid_unit_is_a_validation_problem(world: World, body: dict[str, Any]) -> None:
    r = world.call("committee_admin", "POST", "/units", json=body)
    problem = assert_problem(r, 422, "validation_error")
    assert problem["errors"]
    assert all(e["loc"][0] == "body" for e in problem["errors"])


def test_patch_of_unknown_unit_is_404(world: World) -> None:
    r = world.call("committee_admin", "PATCH", "/units/99999999", json={"name": "x"})
    assert_problem(r, 404, "not_found")


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_committee_admins_write_units(world: World, role: str) -> None:
    before = world.ok("committee_admin", "GET", "/units", params={"include_inactive": True})
    r = world.call(role, "POST", "/units", json={"kind": "college", "name": uniq(), "code": uniq()})
    assert_problem(r, 403, "admin_required")
    r = world.call(role, "PATCH", f"/units/{world.college.id}", json={"name": "夺权"})
    assert_problem(r, 403, "admin_required")
    after = world.ok("committee_admin", "GET", "/units", params={"include_inactive": True})
    assert after == before


def test_units_need_authentication(world: World) -> None:
    r = world.client.get("/api/v1/units")
    assert_problem(r, 401, "not_authenticated")


# --- users ------------------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_sign_in(world: World) -> None:
    body = user_body(world, role="head", email="head@example.edu.cn", password=PASSWORD)
    r = world.call("committee_admin", "POST", "/users", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["username"] == body["username"]
    assert created["role"] == "head"
    assert created["is_admin"] is False
    assert created["is_active"] is True
    assert created["email"] == "head@example.edu.cn"
    assert created["unit"]["id"] == world.dept_lead.id
    assert "password" not in created
    assert "password_hash" not in created

    r = world.client.post(
        "/api/v1/auth/token", data={"username": body["username"], "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    me = world.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    ).json()
    assert me["id"] == created["id"]
    assert me["role"] == "head"


def test_admin_updates_a_user(world: World) -> None:
    target = world["college_staff2"].user
    updated = world.ok(
        "committee_admin",
        "PATCH",
        f"/users/{target.id}",
        json={"display_name": "李老师", "role": "head", "email": "li@example.edu.cn"},
    )
    assert updated["display_name"] == "李老师"
    assert updated["role"] == "head"
    assert updated["email"] == "li@example.edu.cn"
    assert updated["username"] == target.username
    assert updated["unit"]["id"] == world.college.id


def test_committee_member_can_be_made_admin(world: World) -> None:
    staff = world["committee_staff"].user
    out = world.ok("committee_admin", "PATCH", f"/users/{staff.id}", json={"is_admin": True})
    assert out["is_admin"] is True
    # The promotion is effective on the next request, with the same token.
    r = world.call("committee_staff", "POST", "/units", json=new_unit_body())
    assert r.status_code == 201, r.text


def new_unit_body() -> dict[str, Any]:
    return {"kind": "college", "name": uniq("学院"), "code": uniq("X")}


def test_duplicate_username_is_a_conflict_whatever_the_case(world: World) -> None:
    existing = world["college_staff"].user.username
    for name in (existing, existing.upper()):
        r = world.call("committee_admin", "POST", "/users", json=user_body(world, username=name))
        assert_problem(r, 409, "username_taken")


@pytest.mark.parametrize(
    "change",
    [
        {"username": "a"},
        {"username": "has space"},
        {"password": "short"},
        {"email": "not-an-email"},
        {"role": "boss"},
        {"unit_id": "abc"},
        {"display_name": ""},
    ],
)
def test_invalid_user_is_a_validation_problem(world: World, change: dict[str, Any]) -> None:
    r = world.call("committee_admin", "POST", "/users", json=user_body(world, **change))
    problem = assert_problem(r, 422, "validation_error")
    assert problem["errors"]
    assert problem["errors"][0]["loc"][:2] == ["body", next(iter(change))]


def test_user_in_unknown_unit_is_refused(world: World) -> None:
    r = world.call("committee_admin", "POST", "/users", json=user_body(world, unit_id=99999999))
    assert_problem(r, 422, "unknown_unit")
    target = world["college_staff2"].user
    r = world.call("committee_admin", "PATCH", f"/users/{target.id}", json={"unit_id": 99999999})
    assert_problem(r, 422, "unknown_unit")


@pytest.mark.parametrize("unit", ["dept_lead", "college"])
def test_admin_flag_outside_the_committee_is_refused(world: World, unit: str) -> None:
    unit_id = getattr(world, unit).id
    r = world.call(
        "committee_admin", "POST", "/users", json=user_body(world, unit_id=unit_id, is_admin=True)
    )
    assert_problem(r, 422, "admin_outside_committee")

    target = world["dept_lead_head"] if unit == "dept_lead" else world["college_head"]
    r = world.call("committee_admin", "PATCH", f"/users/{target.id}", json={"is_admin": True})
    assert_problem(r, 422, "admin_outside_committee")
    users = world.ok("committee_admin", "GET", "/users", params={"unit_id": unit_id})
    assert not any(u["is_admin"] for u in users)


def test_moving_an_admin_out_of_the_committee_is_refused(world: World) -> None:
    admin2 = new_user(world, unit_id=world.committee.id, is_admin=True)
    r = world.call(
        "committee_admin", "PATCH", f"/users/{admin2['id']}", json={"unit_id": world.college.id}
    )
    assert_problem(r, 422, "admin_outside_committee")
    users = world.ok("committee_admin", "GET", "/users", params={"unit_id": world.committee.id})
    assert admin2["id"] in ids(users)


def test_admin_cannot_deactivate_or_demote_themself(world: World) -> None:
    me = world["committee_admin"]
    for body in ({"is_active": False}, {"is_admin": False}):
        r = world.call("committee_admin", "PATCH", f"/users/{me.id}", json=body)
        assert_problem(r, 409, "cannot_demote_self")
    # Still an active admin.
    out = world.ok("committee_admin", "GET", "/me")
    assert out["is_admin"] is True


def test_admin_can_deactivate_another_admin(world: World) -> None:
    other = new_user(world, unit_id=world.committee.id, is_admin=True)
    out = world.ok("committee_admin", "PATCH", f"/users/{other['id']}", json={"is_active": False})
    assert out["is_active"] is False


def test_patch_of_unknown_user_is_404(world: World) -> None:
    r = world.call("committee_admin", "PATCH", "/users/99999999", json={"display_name": "x"})
    assert_problem(r, 404, "not_found")


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_committee_admins_write_users(world: World, role: str) -> None:
    r = world.call(role, "POST", "/users", json=user_body(world))
    assert_problem(r, 403, "admin_required")
    target = world["college_staff2"]
    r = world.call(role, "PATCH", f"/users/{target.id}", json={"is_active": False})
    assert_problem(r, 403, "admin_required")
    assert world.ok("college_staff2", "GET", "/me")["id"] == target.id


def test_committee_sees_all_users(world: World) -> None:
    for role in ("committee_admin", "committee_staff"):
        listed = ids(world.ok(role, "GET", "/users"))
        assert {a.id for a in world.actors.values()} <= listed


def test_outside_the_committee_users_see_only_their_unit(world: World) -> None:
    head = world.ok("dept_lead_head", "GET", "/users")
    assert ids(head) == {world["dept_lead_head"].id, world["dept_lead_staff"].id}
    assert {u["unit"]["id"] for u in head} == {world.dept_lead.id}

    college = world.ok("college_staff", "GET", "/users")
    assert ids(college) == {
        world["college_head"].id,
        world["college_staff"].id,
        world["college_staff2"].id,
    }
    # Asking for another unit gives nothing rather than that unit's people.
    other = world.ok("dept_lead_head", "GET", "/users", params={"unit_id": world.college.id})
    assert other == []


def test_users_search_and_unit_filter(world: World) -> None:
    made = new_user(world, display_name="欧阳检索", unit_id=world.dept_other.id)
    found = world.ok("committee_staff", "GET", "/users", params={"q": "欧阳检索"})
    assert ids(found) == {made["id"]}
    found = world.ok("committee_staff", "GET", "/users", params={"q": made["username"].upper()})
    assert ids(found) == {made["id"]}
    in_unit = world.ok("committee_staff", "GET", "/users", params={"unit_id": world.dept_other.id})
    assert ids(in_unit) == {world["dept_other_staff"].id, made["id"]}


# --- categories -------------------------------------------------------------------------------


def test_admin_creates_and_updates_categories(world: World) -> None:
    r = world.call(
        "committee_admin",
        "POST",
        "/categories",
        json={"name": "后勤保障", "default_department_id": world.dept_lead.id},
    )
    assert r.status_code == 201, r.text
    cat = r.json()
    assert cat["name"] == "后勤保障"
    assert cat["default_department_id"] == world.dept_lead.id
    assert cat["is_active"] is True
    assert cat in world.ok("college_staff", "GET", "/categories")

    out = world.ok("committee_admin", "PATCH", f"/categories/{cat['id']}", json={"name": "后勤"})
    assert out == {**cat, "name": "后勤"}  # the department stays when not mentioned
    out = world.ok(
        "committee_admin",
        "PATCH",
        f"/categories/{cat['id']}",
        json={"default_department_id": None},
    )
    assert out["default_department_id"] is None
    out = world.ok(
        "committee_admin", "PATCH", f"/categories/{cat['id']}", json={"is_active": False}
    )
    assert out["is_active"] is False
    assert cat["id"] not in ids(world.ok("college_staff", "GET", "/categories"))
    listed = world.ok("committee_staff", "GET", "/categories", params={"include_inactive": True})
    assert cat["id"] in ids(listed)


def test_duplicate_category_name_is_a_conflict(world: World) -> None:
    name = world.category.name
    r = world.call("committee_admin", "POST", "/categories", json={"name": name})
    assert_problem(r, 409, "category_exists")
    other = world.ok("committee_admin", "POST", "/categories", json={"name": uniq("类")})
    r = world.call("committee_admin", "PATCH", f"/categories/{other['id']}", json={"name": name})
    assert_problem(r, 409, "category_exists")


@pytest.mark.parametrize("target", ["college", "committee", "missing"])
def test_default_department_must_be_a_department(world: World, target: str) -> None:
    unit_id = 99999999 if target == "missing" else getattr(world, target).id
    r = world.call(
        "committee_admin",
        "POST",
        "/categories",
        json={"name": uniq("类"), "default_department_id": unit_id},
    )
    assert_problem(r, 422, "not_a_department")
    r = world.call(
        "committee_admin",
        "PATCH",
        f"/categories/{world.category.id}",
        json={"default_department_id": unit_id},
    )
    assert_problem(r, 422, "not_a_department")
    cats = world.ok("committee_admin", "GET", "/categories")
    assert {c["id"]: c for c in cats}[world.category.id]["default_department_id"] == (
        world.dept_lead.id
    )


@pytest.mark.parametrize("body", [{"name": ""}, {}, {"name": "x" * 101}])
def test_invalid_category_is_a_validation_problem(world: World, body: dict[str, Any]) -> None:
    r = world.call("committee_admin", "POST", "/categories", json=body)
    assert_problem(r, 422, "validation_error")


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_committee_admins_write_categories(world: World, role: str) -> None:
    r = world.call(role, "POST", "/categories", json={"name": uniq("类")})
    assert_problem(r, 403, "admin_required")
    r = world.call(role, "PATCH", f"/categories/{world.category.id}", json={"name": "改名"})
    assert_problem(r, 403, "admin_required")
    cats = world.ok("committee_admin", "GET", "/categories")
    assert {c["id"]: c for c in cats}[world.category.id]["name"] == world.category.name


def test_patch_of_unknown_category_is_404(world: World) -> None:
    r = world.call("committee_admin", "PATCH", "/categories/99999999", json={"name": "x"})
    assert_problem(r, 404, "not_found")
